import type { GoogleHashedUserData } from "../../events/conversion";
import type { ClickIdField, ConsentRule } from "../definition";

/** What Google Ads and the Data Manager API share as destinations. */
export interface GoogleSpecBase {
  family: "google";
  hashed: GoogleHashedUserData;
  clickId: "gclid" | "gbraid" | "wbraid";
  consentFlag: never;
}

/** Google's click ids from the landing URL (https://support.google.com/google-ads/answer/9744275). */
export const GOOGLE_CLICK_IDS: readonly ClickIdField<GoogleSpecBase["clickId"]>[] = [
  { name: "gclid", urlParam: "gclid", aliases: ["gclid", "_gclid"] },
  { name: "gbraid", urlParam: "gbraid", aliases: ["gbraid", "_gbraid"] },
  { name: "wbraid", urlParam: "wbraid", aliases: ["wbraid", "_wbraid"] },
];

/**
 * Google Consent Mode's `ad_user_data` (or TCF read for Google's vendor 755) or a mapped category
 * (https://support.google.com/google-ads/answer/13802165).
 */
export const GOOGLE_CONSENT_RULE: ConsentRule<never> = { googleConsentMode: "grants", explicitFlag: null, mappedCategories: "grant" };

/** Identifier keys of both Google APIs' request bodies (redacted wherever a payload is shown). */
export const GOOGLE_REDACT_KEYS = [
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
export const GOOGLE_TRANSPORT_OUTCOMES = {
  timeout: "retry",
  network_error: "retry",
  malformed_response: "retry",
  oauth_malformed_response: "retry",
  missing_outcome: "retry",
  credentials_missing: "failed",
} as const;
