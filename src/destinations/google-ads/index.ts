import { googleAdsAdjustments } from "./adjustments";
import { sendGoogleBatch } from "../google/batch";
import { googlePrecheck } from "../google/conversion";
import { credentialsMissing } from "../google/oauth";
import type { DestinationDefinition } from "../definition";
import type { DeliveryItem } from "../types";
import { GOOGLE_DESTINATION_BASE, type GoogleSpecBase } from "../google/definition";
import { googleAdsSettingsSchema, googleAdsCredentialsSchema } from "./settings";
import { buildUploadClickConversionsRequest, readGoogleAdsSettings } from "./payload";
import { googleAdsUpload } from "./upload";

/** Google Ads API click conversions, `UploadClickConversions` (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadService/UploadClickConversions). */
export const googleAdsDestination: DestinationDefinition<GoogleSpecBase & { type: "google_ads" }> = {
  type: "google_ads",
  ...GOOGLE_DESTINATION_BASE,
  settingsSchema: googleAdsSettingsSchema,
  credentialsSchema: googleAdsCredentialsSchema,
  baseUrlVar: "GOOGLE_ADS_API_BASE",
  emulator: { module: "sandbox/google.mjs", prefix: "/google-ads" },
  // The service's limit per request (TOO_MANY_CONVERSIONS_IN_REQUEST above it).
  maxBatchSize: 2000,
  adjustments: googleAdsAdjustments,
  apiVersionVar: "GOOGLE_ADS_API_VERSION",

  preview(item, settings) {
    const reason = googlePrecheck(item);
    return reason ? { notSent: reason } : { body: buildUploadClickConversionsRequest([item], readGoogleAdsSettings(settings)) };
  },

  async send(items, ctx) {
    const settings = readGoogleAdsSettings(ctx.settings);
    const upload = googleAdsUpload(ctx, settings, "uploadClickConversions", (rows: DeliveryItem[]) =>
      buildUploadClickConversionsRequest(rows, settings),
    );
    return upload ? sendGoogleBatch(items, upload) : credentialsMissing(items);
  },
};
