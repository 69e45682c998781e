import { z } from "zod";
import type { DestinationType } from "./types";

/**
 * Settings and credentials per destination type (SPEC §4.2, reference/destinations.md).
 * Settings are strict so a misspelt field is a 400 now rather than a failed delivery later.
 * Adapters read a destination's `settings` as the output types below.
 */

export const DESTINATION_TYPES = ["meta", "google_ads", "google_data_manager"] as const satisfies readonly DestinationType[];

/** Meta's `action_source` values (Conversions API main body parameters). */
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
// v22 was sunset on 2026-10-07; v25 is the version whose protos reference/destinations.md §3.1 checked.
export const DEFAULT_GOOGLE_ADS_API_VERSION = "v25";

const credential = z.string().min(1, "must not be empty").max(4096);

/** Google account ids are written `123-456-7890` in the UI and sent without hyphens. */
const googleAccountId = (digits: string, rule: string) =>
  z
    .string()
    .transform((s) => s.trim().replace(/-/g, ""))
    .pipe(z.string().regex(new RegExp(`^\\d{${digits}}$`), rule));

const customerId = googleAccountId("10", "must be a 10-digit Google Ads customer id (hyphens allowed)");
const accountId = googleAccountId("1,20", "must be a numeric account id (hyphens allowed)");
const conversionActionId = z.string().regex(/^\d{1,20}$/, "must be the numeric conversion action id");

export const metaSettingsSchema = z.strictObject({
  pixelId: z.string().regex(/^\d{1,32}$/, "must be the numeric pixel (dataset) id, as a string"),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like "v25.0"').default(DEFAULT_META_API_VERSION),
  testEventCode: z.string().trim().min(1).max(100).optional(),
  actionSource: z.enum(META_ACTION_SOURCES).default("website"),
});

export const googleAdsSettingsSchema = z.strictObject({
  customerId,
  conversionActionId,
  loginCustomerId: customerId.optional(),
  apiVersion: z.string().regex(/^v\d+$/, 'must look like "v25"').default(DEFAULT_GOOGLE_ADS_API_VERSION),
  validateOnly: z.boolean().optional(),
});

export const googleDataManagerSettingsSchema = z.strictObject({
  operatingAccountId: accountId,
  loginAccountId: accountId.optional(),
  conversionActionId,
  validateOnly: z.boolean().optional(),
});

const googleOAuthCredentials = {
  clientId: credential,
  clientSecret: credential,
  refreshToken: credential,
};

export const metaCredentialsSchema = z.strictObject({ accessToken: credential });
export const googleAdsCredentialsSchema = z.strictObject({ developerToken: credential, ...googleOAuthCredentials });
export const googleDataManagerCredentialsSchema = z.strictObject(googleOAuthCredentials);

export type MetaSettings = z.output<typeof metaSettingsSchema>;
export type GoogleAdsSettings = z.output<typeof googleAdsSettingsSchema>;
export type GoogleDataManagerSettings = z.output<typeof googleDataManagerSettingsSchema>;
export type MetaCredentials = z.output<typeof metaCredentialsSchema>;
export type GoogleAdsCredentials = z.output<typeof googleAdsCredentialsSchema>;
export type GoogleDataManagerCredentials = z.output<typeof googleDataManagerCredentialsSchema>;

/** Credential field names per type, in a stable order (what GET reports as `credentialsSet`). */
export const CREDENTIAL_FIELDS: Record<DestinationType, readonly string[]> = {
  meta: Object.keys(metaCredentialsSchema.shape),
  google_ads: Object.keys(googleAdsCredentialsSchema.shape),
  google_data_manager: Object.keys(googleDataManagerCredentialsSchema.shape),
};

const enabled = z.boolean().optional();

/** Credentials may be left out to keep the stored ones (see routes/admin/destinations.ts). */
export const putDestinationSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("meta"),
    enabled,
    settings: metaSettingsSchema,
    credentials: metaCredentialsSchema.optional(),
  }),
  z.strictObject({
    type: z.literal("google_ads"),
    enabled,
    settings: googleAdsSettingsSchema,
    credentials: googleAdsCredentialsSchema.optional(),
  }),
  z.strictObject({
    type: z.literal("google_data_manager"),
    enabled,
    settings: googleDataManagerSettingsSchema,
    credentials: googleDataManagerCredentialsSchema.optional(),
  }),
]);

export type PutDestinationInput = z.output<typeof putDestinationSchema>;
