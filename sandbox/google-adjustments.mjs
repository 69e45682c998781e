// Emulation of Google's conversion adjustments, used by the Ads and Data Manager emulators in
// google.mjs (kept apart so each file has one job).
//
// Google Ads `customers/{id}:uploadConversionAdjustments`
// (https://developers.google.com/google-ads/api/rest/reference/rest/latest/customers/uploadConversionAdjustments,
// https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustment): rows
// `{conversionAction, adjustmentType, adjustmentDateTime, orderId | gclidDateTimePair,
// restatementValue?}` under `conversionAdjustments`, partialFailure as for click conversions.
// Row errors are ConversionAdjustmentUploadError codes with their proto comments as messages
// (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustmentUploadErrorEnum.ConversionAdjustmentUploadError):
// an order id the Ads emulator never recorded → CONVERSION_NOT_FOUND; a conversion already
// retracted → CONVERSION_ALREADY_RETRACTED; an adjustment time before the conversion →
// ADJUSTMENT_PRECEDES_CONVERSION; a restatement at the time of an earlier one →
// RESTATEMENT_ALREADY_EXISTS, before it → MORE_RECENT_RESTATEMENT_FOUND; two rows of one
// conversion with the same time → DUPLICATE_ADJUSTMENT_IN_REQUEST; user identifiers outside an
// ENHANCEMENT → UNSUPPORTED_USER_IDENTIFIER. Emulator's own choices where Google documents no
// answer: a RESTATEMENT without `restatementValue.adjustedValue` → fieldError REQUIRED, a
// RETRACTION with one → fieldError VALUE_MUST_BE_UNSET ("An error will be returned if provided for
// a retraction"), neither order id nor gclid pair → fieldError REQUIRED.
//
// Data Manager: an `events:ingest` event with no identifiers is a conversion adjustment when its
// transactionId names a conversion already ingested for the destination
// (https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments);
// naming none, it stays NO_IDENTIFIERS_PROVIDED.

const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const ADJUSTMENT_TYPES = new Set(["RETRACTION", "RESTATEMENT", "ENHANCEMENT"]);
export const MAX_ADJUSTMENTS_PER_REQUEST = 2000;
export const ADJUSTMENT_REQUEST_FIELDS = new Set(["customerId", "conversionAdjustments", "partialFailure", "validateOnly", "jobId"]);
export const CONVERSION_ADJUSTMENT_FIELDS = new Set([
  "gclidDateTimePair",
  "orderId",
  "conversionAction",
  "adjustmentDateTime",
  "adjustmentType",
  "restatementValue",
  "userIdentifiers",
  "userAgent",
]);

export const ADJUSTMENT_MESSAGES = /** @type {Record<string, string>} */ ({
  TOO_RECENT_CONVERSION_ACTION: "Can't import events to a conversion action that was just created. Try importing again in 6 hours.",
  CONVERSION_ALREADY_RETRACTED: "The conversion was already retracted. This adjustment was not processed.",
  CONVERSION_NOT_FOUND:
    "The conversion for this conversion action and conversion identifier can't be found. Make sure your conversion identifiers are associated with the correct conversion action and try again.",
  CONVERSION_EXPIRED: "Adjustment can't be made to a conversion that occurred more than 54 days ago.",
  ADJUSTMENT_PRECEDES_CONVERSION:
    "Adjustment has an `adjustment_date_time` that occurred before the associated conversion. Make sure your `adjustment_date_time` is correct and try again.",
  MORE_RECENT_RESTATEMENT_FOUND:
    "More recent adjustment `adjustment_date_time` has already been reported for the associated conversion. Make sure your adjustment `adjustment_date_time` is correct and try again.",
  TOO_RECENT_CONVERSION:
    "Adjustment can't be recorded because the conversion occurred too recently. Try adjusting a conversion that occurred at least 24 hours ago.",
  TOO_MANY_ADJUSTMENTS_IN_REQUEST: "Try uploading fewer than 2001 adjustments in a single API request.",
  RESTATEMENT_ALREADY_EXISTS:
    "The conversion has a prior restatement with the same `adjustment_date_time`. Make sure your adjustment has the correct and unique `adjustment_date_time` and try again.",
  DUPLICATE_ADJUSTMENT_IN_REQUEST:
    "Imported adjustment has a duplicate conversion adjustment with same `adjustment_date_time`. Make sure your adjustment has the correct `adjustment_date_time` and try again.",
  UNSUPPORTED_USER_IDENTIFIER: "Use user provided data such as emails or phone numbers hashed using SHA-256 and try again.",
  GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET: "Cannot set both gclid_date_time_pair and order_id. Use only 1 type and try again.",
  NO_CONVERSION_ACTION_FOUND:
    "The conversion action specified in the adjustment request cannot be found. Make sure it's available in this account.",
  ORDER_ID_CONTAINS_PII: "Can't use adjustment with Order IDs containing personally-identifiable information (PII).",
});

/** `2026-11-22 10:00:00+01:00` → epoch ms, or NaN. @param {unknown} s */
export function adsDateTimeMs(s) {
  if (typeof s !== "string" || !DATE_TIME_RE.test(s)) return Number.NaN;
  return Date.parse(s.replace(" ", "T"));
}

/**
 * @typedef {{ at: number, retracted: boolean, restatedAt?: number, value?: number }} RecordedConversion
 * @typedef {{ row: number, field?: string, family: string, code: string, trigger?: string, message?: string }} AdjustmentFault
 */

/**
 * The first error of one ConversionAdjustment, or undefined.
 * @param {Record<string, unknown>} a
 * @param {number} row
 * @param {string} customerId
 * @param {(action: string, orderId: string) => RecordedConversion | undefined} lookup
 * @param {Set<string>} seenInRequest `action\norderId\ntime` of the earlier rows
 * @param {Set<string>} currencies
 * @returns {AdjustmentFault | undefined}
 */
export function validateConversionAdjustment(a, row, customerId, lookup, seenInRequest, currencies) {
  const fault = (/** @type {string} */ family, /** @type {string} */ code, /** @type {Partial<AdjustmentFault>} */ more = {}) => ({
    row,
    family,
    code,
    message: ADJUSTMENT_MESSAGES[code] ?? code,
    ...more,
  });
  const action = a.conversionAction;
  if (typeof action !== "string" || !new RegExp(`^customers/${customerId}/conversionActions/\\d+$`).test(action)) {
    return fault("conversionAdjustmentUploadError", "NO_CONVERSION_ACTION_FOUND", {
      field: "conversion_action",
      trigger: String(action ?? ""),
    });
  }
  if (!ADJUSTMENT_TYPES.has(String(a.adjustmentType))) {
    return fault("requestError", "INVALID_ENUM_VALUE", { field: "adjustment_type", message: "Enum value is not permitted." });
  }
  const at = adsDateTimeMs(a.adjustmentDateTime);
  if (Number.isNaN(at)) {
    return fault("dateError", "INVALID_FIELD_VALUES_IN_DATE_TIME", {
      field: "adjustment_date_time",
      message: "The field values in the date time are invalid. Use yyyy-mm-dd hh:mm:ss+|-hh:mm.",
      trigger: String(a.adjustmentDateTime ?? ""),
    });
  }
  const hasOrder = typeof a.orderId === "string" && a.orderId !== "";
  if (hasOrder && a.gclidDateTimePair !== undefined)
    return fault("conversionAdjustmentUploadError", "GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET", { field: "order_id" });
  if (!hasOrder && a.gclidDateTimePair === undefined) {
    return fault("fieldError", "REQUIRED", {
      field: "order_id",
      message: "An order id or a gclid and conversion date time pair is required.",
    });
  }
  if (hasOrder && String(a.orderId).includes("@"))
    return fault("conversionAdjustmentUploadError", "ORDER_ID_CONTAINS_PII", { field: "order_id" });
  if (a.adjustmentType !== "ENHANCEMENT" && a.userIdentifiers !== undefined) {
    return fault("conversionAdjustmentUploadError", "UNSUPPORTED_USER_IDENTIFIER", { field: "user_identifiers" });
  }
  const restatement = a.restatementValue === undefined ? undefined : (a.restatementValue ?? {});
  if (a.adjustmentType === "RESTATEMENT") {
    const value = /** @type {Record<string, unknown> | undefined} */ (restatement)?.adjustedValue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return fault("fieldError", "REQUIRED", { field: "restatement_value.adjusted_value", message: "Required for restatements." });
    }
    const currency = /** @type {Record<string, unknown> | undefined} */ (restatement)?.currencyCode;
    if (currency !== undefined && (typeof currency !== "string" || (currencies.size > 0 && !currencies.has(currency)))) {
      return fault("currencyCodeError", "UNSUPPORTED", {
        field: "restatement_value.currency_code",
        message: "The currency code is not supported.",
      });
    }
  } else if (restatement !== undefined) {
    return fault("fieldError", "VALUE_MUST_BE_UNSET", { field: "restatement_value", message: "Should not be supplied for retractions." });
  }
  if (!hasOrder) return undefined; // gclid pairs: the emulator records conversions by order id only
  const key = `${action}\n${a.orderId}\n${at}`;
  if (seenInRequest.has(key))
    return fault("conversionAdjustmentUploadError", "DUPLICATE_ADJUSTMENT_IN_REQUEST", { field: "adjustment_date_time" });
  seenInRequest.add(key);
  const recorded = lookup(action, String(a.orderId));
  if (!recorded) return fault("conversionAdjustmentUploadError", "CONVERSION_NOT_FOUND", { field: "order_id", trigger: String(a.orderId) });
  if (recorded.retracted) return fault("conversionAdjustmentUploadError", "CONVERSION_ALREADY_RETRACTED", { field: "order_id" });
  if (at < recorded.at)
    return fault("conversionAdjustmentUploadError", "ADJUSTMENT_PRECEDES_CONVERSION", { field: "adjustment_date_time" });
  if (a.adjustmentType === "RESTATEMENT" && recorded.restatedAt !== undefined) {
    if (at === recorded.restatedAt)
      return fault("conversionAdjustmentUploadError", "RESTATEMENT_ALREADY_EXISTS", { field: "adjustment_date_time" });
    if (at < recorded.restatedAt)
      return fault("conversionAdjustmentUploadError", "MORE_RECENT_RESTATEMENT_FOUND", { field: "adjustment_date_time" });
  }
  return undefined;
}

/**
 * Applies a valid adjustment to the recorded conversion.
 * @param {Record<string, unknown>} a
 * @param {RecordedConversion} recorded
 */
export function applyConversionAdjustment(a, recorded) {
  if (a.adjustmentType === "RETRACTION") recorded.retracted = true;
  if (a.adjustmentType === "RESTATEMENT") {
    recorded.restatedAt = adsDateTimeMs(a.adjustmentDateTime);
    recorded.value = /** @type {number} */ (/** @type {Record<string, unknown>} */ (a.restatementValue).adjustedValue);
  }
}

/** What Google echoes for an applied row (ConversionAdjustmentResult). @param {Record<string, unknown>} a */
export function conversionAdjustmentResult(a) {
  return {
    ...(a.gclidDateTimePair !== undefined ? { gclidDateTimePair: a.gclidDateTimePair } : { orderId: a.orderId }),
    conversionAction: a.conversionAction,
    adjustmentDateTime: a.adjustmentDateTime,
    adjustmentType: a.adjustmentType,
  };
}
