import type { GoogleHashedUserData } from "../../events/conversion";
import { googleIdentity } from "../../identity/google";
import { clickIdField, type ClickIdField, type ConsentRule, type DestinationDefinition } from "../definition";

/** What Google Ads and the Data Manager API share as destinations. */
export interface GoogleSpecBase {
  family: "google";
  hashed: GoogleHashedUserData;
  clickId: "gclid" | "gbraid" | "wbraid";
  consentFlag: never;
}

/** Google's click ids from the landing URL (https://support.google.com/google-ads/answer/9744275). */
const GOOGLE_CLICK_IDS: readonly ClickIdField<GoogleSpecBase["clickId"]>[] = [
  clickIdField("gclid", { urlParam: true }),
  clickIdField("gbraid", { urlParam: true }),
  clickIdField("wbraid", { urlParam: true }),
];

/**
 * Google Consent Mode's `ad_user_data` (or TCF read for Google's vendor 755) or a mapped category
 * (https://support.google.com/google-ads/answer/13802165).
 */
const GOOGLE_CONSENT_RULE: ConsentRule<never> = { googleConsentMode: "grants", explicitFlag: null, mappedCategories: "grant" };

/** Identifier keys of both Google APIs' request bodies (redacted wherever a payload is shown). */
const GOOGLE_REDACT_KEYS = [
  "hashedEmail",
  "hashedPhoneNumber",
  "emailAddress",
  "phoneNumber",
  "userIpAddress",
  "gclid",
  "gbraid",
  "wbraid",
  "userAgent",
  "ipAddress",
] as const;

/** Codes the shared Google transport returns besides Google's own error enums (classed per row). */
const GOOGLE_TRANSPORT_OUTCOMES = {
  timeout: "retry",
  network_error: "retry",
  malformed_response: "retry",
  oauth_malformed_response: "retry",
  missing_outcome: "retry",
  credentials_missing: "failed",
} as const;

/**
 * What Google Ads and the Data Manager API declare alike: one identity family, click ids, consent
 * rule, redaction keys and transport outcomes. Each destination adds its API, limits and schemas.
 */
export const GOOGLE_DESTINATION_BASE = {
  family: "google",
  consent: GOOGLE_CONSENT_RULE,
  identity: googleIdentity,
  clickIds: GOOGLE_CLICK_IDS,
  clientFields: [],
  redactKeys: GOOGLE_REDACT_KEYS,
  outcomes: GOOGLE_TRANSPORT_OUTCOMES,
} as const satisfies Partial<DestinationDefinition<GoogleSpecBase & { type: string }>>;
