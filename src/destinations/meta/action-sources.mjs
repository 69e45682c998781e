/**
 * Meta's `action_source` values (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event#action-source).
 * Plain JavaScript, so that the relay's settings schema and the sandbox's Meta emulator, which
 * Node runs as it is, read the one list.
 */
export const META_ACTION_SOURCES = Object.freeze(
  /** @type {const} */ ([
    "website",
    "email",
    "app",
    "phone_call",
    "chat",
    "physical_store",
    "system_generated",
    "business_messaging",
    "other",
  ]),
);
