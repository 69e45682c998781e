import { z } from "zod";
import { conversionActionId, credential, customerId, googleOAuthCredentials } from "../google/settings";

// Last resort only: the version is the operator's GOOGLE_ADS_API_VERSION (wrangler.toml) unless a
// destination pins `apiVersion`, which is stored only then (src/destinations/effective-settings.ts).
// v22 was sunset on 2026-10-07 (https://developers.google.com/google-ads/api/docs/sunset-dates).
export const DEFAULT_GOOGLE_ADS_API_VERSION = "v25";

export const googleAdsSettingsSchema = z.strictObject({
  customerId,
  conversionActionId,
  loginCustomerId: customerId.optional(),
  apiVersion: z
    .string()
    .regex(/^v\d+$/, 'must look like "v25"')
    .optional(),
  validateOnly: z.boolean().optional(),
});

export const googleAdsCredentialsSchema = z.strictObject({ developerToken: credential, ...googleOAuthCredentials });
