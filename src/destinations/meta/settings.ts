import { z } from "zod";

/** Meta's `action_source` values (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event#action-source). */
export const META_ACTION_SOURCES = [
  "website",
  "email",
  "app",
  "phone_call",
  "chat",
  "physical_store",
  "system_generated",
  "business_messaging",
  "other",
] as const;

export const DEFAULT_META_API_VERSION = "v25.0";

const credential = z.string().min(1, "must not be empty").max(4096);

/** Strict, so a misspelt field is a 400 now rather than a failed delivery later. */
export const metaSettingsSchema = z.strictObject({
  pixelId: z.string().regex(/^\d{1,32}$/, "must be the numeric pixel (dataset) id, as a string"),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like "v25.0"')
    .default(DEFAULT_META_API_VERSION),
  testEventCode: z.string().trim().min(1).max(100).optional(),
  actionSource: z.enum(META_ACTION_SOURCES).default("website"),
});

export const metaCredentialsSchema = z.strictObject({ accessToken: credential });
