import { formatConversionDateTime } from "../google/conversion";
import { googleAdjustments } from "../google/adjustment";
import type { AdjustmentItem, AdjustmentSupport, ItemOutcome } from "../types";
import { conversionActionResourceName, readGoogleAdsSettings, type GoogleAdsSettings } from "./payload";
import { googleAdsUpload, uploadRequest } from "./upload";

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
  return uploadRequest(
    "conversionAdjustments",
    items.map((item) => buildConversionAdjustment(item, settings)),
    settings,
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
export const googleAdsAdjustments: AdjustmentSupport = googleAdjustments({
  readSettings: readGoogleAdsSettings,
  buildRequest: buildUploadConversionAdjustmentsRequest,
  poster(ctx, settings, build) {
    const upload = googleAdsUpload(ctx, settings, "uploadConversionAdjustments", build);
    return upload && (async (rows) => (await upload(rows)).map((outcome, i) => settledRetraction(rows[i]!, outcome)));
  },
});
