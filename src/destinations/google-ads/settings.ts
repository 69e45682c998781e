import { z } from "zod";
import { conversionActionId, credential, customerId, googleOAuthCredentials } from "../google/settings";

// v22 was sunset on 2026-10-07; v25 is the version whose protos were checked
// (https://developers.google.com/google-ads/api/docs/sunset-dates).
export const DEFAULT_GOOGLE_ADS_API_VERSION = "v25";

export const googleAdsSettingsSchema = z.strictObject({
  customerId,
  conversionActionId,
  loginCustomerId: customerId.optional(),
  apiVersion: z
    .string()
    .regex(/^v\d+$/, 'must look like "v25"')
    .default(DEFAULT_GOOGLE_ADS_API_VERSION),
  validateOnly: z.boolean().optional(),
});

export const googleAdsCredentialsSchema = z.strictObject({ developerToken: credential, ...googleOAuthCredentials });
