import { postGoogleRows } from "../google/batch";
import { formatConversionDateTime } from "../google/conversion";
import { repeatedAdjustmentRows } from "../google/adjustment";
import { postWithGoogleAuth } from "../google/http";
import { readOAuthCredentials } from "../google/oauth";
import { retryAfterMs } from "../http";
import type { AdjustmentItem, AdjustmentSupport, ItemOutcome } from "../types";
import { classifyUploadAnswer } from "./classify";
import { conversionActionResourceName, googleAdsHeaders, readGoogleAdsSettings, type GoogleAdsSettings } from "./payload";

/**
 * Refunds and cancellations through `ConversionAdjustmentUploadService.UploadConversionAdjustments`
 * (https://developers.google.com/google-ads/api/rest/reference/rest/latest/customers/uploadConversionAdjustments,
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustment):
 * a full one is a RETRACTION ("negates a conversion so that its total value and count are both
 * zero"), a partial one a RESTATEMENT whose `restatementValue.adjustedValue` is the order's new
 * total value. Keyed by `orderId` and the conversion action, as the conversion was; never any user
 * identifier (the service takes those only for ENHANCEMENT). `adjustmentDateTime` must be after the
 * conversion's time (the relay keeps it so while it knows the original).
 */
export function buildConversionAdjustment(item: AdjustmentItem, settings: GoogleAdsSettings): Record<string, unknown> {
  const { adjustment } = item;
  return {
    conversionAction: conversionActionResourceName(settings),
    adjustmentType: adjustment.adjustment.full ? "RETRACTION" : "RESTATEMENT",
    adjustmentDateTime: formatConversionDateTime(adjustment.occurredAt, settings.timezone),
    orderId: adjustment.orderId,
    // "Required for restatements. Should not be supplied for retractions."
    ...(adjustment.adjustment.full ? {} : { restatementValue: { adjustedValue: adjustment.value, currencyCode: adjustment.currency } }),
  };
}

export function buildUploadConversionAdjustmentsRequest(items: AdjustmentItem[], settings: GoogleAdsSettings): Record<string, unknown> {
  return {
    conversionAdjustments: items.map((item) => buildConversionAdjustment(item, settings)),
    // "This should always be set to true."
    partialFailure: true,
    validateOnly: settings.validateOnly,
  };
}

export function uploadConversionAdjustmentsUrl(base: string, settings: GoogleAdsSettings): string {
  return (
    `${base.replace(/\/+$/, "")}/${encodeURIComponent(settings.apiVersion)}` +
    `/customers/${encodeURIComponent(settings.customerId)}:uploadConversionAdjustments`
  );
}

/**
 * CONVERSION_ALREADY_RETRACTED ("This adjustment was not processed") leaves the conversion where a
 * retraction wants it: delivered for a RETRACTION, a failure for a RESTATEMENT, which cannot apply.
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustmentUploadErrorEnum.ConversionAdjustmentUploadError
 */
function settledRetraction(item: AdjustmentItem, outcome: ItemOutcome): ItemOutcome {
  return item.adjustment.adjustment.full && outcome.status === "failed" && outcome.code === "CONVERSION_ALREADY_RETRACTED"
    ? { status: "delivered" }
    : outcome;
}

/** Google Ads adjustments: batched (2,000 per request, TOO_MANY_ADJUSTMENTS_IN_REQUEST above), classified per row. */
export const googleAdsAdjustments: AdjustmentSupport = {
  maxBatchSize: 2000,

  preview(item, settings) {
    return { body: buildUploadConversionAdjustmentsRequest([item], readGoogleAdsSettings(settings)) };
  },

  async send(items, ctx) {
    const settings = readGoogleAdsSettings(ctx.settings);
    const creds = readOAuthCredentials(ctx.credentials);
    const developerToken = ctx.credentials.developerToken;
    if (!creds || !developerToken) return items.map(() => ({ status: "failed", code: "credentials_missing" }));
    const url = uploadConversionAdjustmentsUrl(ctx.env.GOOGLE_ADS_API_BASE, settings);
    const headers = googleAdsHeaders(developerToken, settings);
    const outcomes = await postGoogleRows(items, repeatedAdjustmentRows(items), async (rows) => {
      const answer = await postWithGoogleAuth(url, headers, buildUploadConversionAdjustmentsRequest(rows, settings), creds, ctx);
      if (answer.kind === "outcome") return rows.map(() => answer.outcome);
      return classifyUploadAnswer(rows.length, answer.status, answer.body, retryAfterMs(answer.headers, ctx.now));
    });
    return outcomes.map((outcome, i) => settledRetraction(items[i]!, outcome));
  },
};
