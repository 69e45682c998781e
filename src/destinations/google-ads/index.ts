import { googleAdsAdjustments } from "./adjustments";
import { sendGoogleBatch } from "../google/batch";
import { googlePrecheck } from "../google/conversion";
import { postWithGoogleAuth } from "../google/http";
import { readOAuthCredentials } from "../google/oauth";
import { retryAfterMs } from "../http";
import { googleIdentity } from "../../identity/google";
import type { DestinationDefinition } from "../definition";
import {
  GOOGLE_CLICK_IDS,
  GOOGLE_CONSENT_RULE,
  GOOGLE_REDACT_KEYS,
  GOOGLE_TRANSPORT_OUTCOMES,
  type GoogleSpecBase,
} from "../google/definition";
import { googleAdsSettingsSchema, googleAdsCredentialsSchema } from "./settings";
import { classifyUploadAnswer } from "./classify";
import { buildUploadClickConversionsRequest, googleAdsHeaders, readGoogleAdsSettings, uploadClickConversionsUrl } from "./payload";

/** Google Ads API click conversions, `UploadClickConversions` (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadService/UploadClickConversions). */
export const googleAdsDestination: DestinationDefinition<GoogleSpecBase & { type: "google_ads" }> = {
  type: "google_ads",
  family: "google",
  settingsSchema: googleAdsSettingsSchema,
  credentialsSchema: googleAdsCredentialsSchema,
  consent: GOOGLE_CONSENT_RULE,
  identity: googleIdentity,
  clickIds: GOOGLE_CLICK_IDS,
  clientFields: [],
  baseUrlVar: "GOOGLE_ADS_API_BASE",
  redactKeys: GOOGLE_REDACT_KEYS,
  outcomes: GOOGLE_TRANSPORT_OUTCOMES,
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
    const creds = readOAuthCredentials(ctx.credentials);
    const developerToken = ctx.credentials.developerToken;
    if (!creds || !developerToken) return items.map(() => ({ status: "failed", code: "credentials_missing" }));
    const url = uploadClickConversionsUrl(ctx.env.GOOGLE_ADS_API_BASE, settings);
    const headers = googleAdsHeaders(developerToken, settings);

    return sendGoogleBatch(items, async (rows) => {
      const body = buildUploadClickConversionsRequest(rows, settings);
      const answer = await postWithGoogleAuth(url, headers, body, creds, ctx);
      if (answer.kind === "outcome") return rows.map(() => answer.outcome);
      return classifyUploadAnswer(rows.length, answer.status, answer.body, retryAfterMs(answer.headers, ctx.now));
    });
  },
};
