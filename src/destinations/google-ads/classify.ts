import {
  classifyPartialFailure,
  classifyRejectedRequest,
  googleRetryAfterMs,
  googleStatusErrors,
  googleStatusName,
  RETIRED_ADS_VERSION_MESSAGE,
} from "../google/errors";
import type { ItemOutcome } from "../types";

/**
 * An UploadClickConversions answer → one outcome per row (https://developers.google.com/google-ads/api/docs/best-practices/partial-failures). Pure.
 *
 * - 200 without `partialFailureError`: every row counted (or, with validateOnly, passed).
 * - 200 with it: errors mapped to rows by `location.fieldPathElements[conversions].index` and the
 *   empty `results[i]`; duplicate-order codes count as delivered, TOO_RECENT_* wait 6 h.
 * - non-2xx: the whole request failed; its GoogleAdsFailure decides for every row.
 */
export function classifyUploadAnswer(count: number, httpStatus: number, body: unknown, retryAfterMs?: number): ItemOutcome[] {
  const json = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
  if (httpStatus >= 200 && httpStatus < 300) {
    // A 200 we cannot read may still have counted rows; a resend of those is answered
    // ORDER_ID_ALREADY_IN_USE, so retrying is safe.
    if (!json) return Array.from({ length: count }, () => ({ status: "retry", code: "malformed_response" }));
    const failure = json.partialFailureError;
    const results = Array.isArray(json.results) ? json.results : undefined;
    if (!failure) return Array.from({ length: count }, () => ({ status: "delivered" }));
    const errors = googleStatusErrors(failure);
    // A failure we cannot attribute: rows Google did not confirm are retried, not dropped.
    if (errors.length === 0) {
      return Array.from({ length: count }, (_, i) =>
        results?.length === count && !isEmpty(results[i])
          ? { status: "delivered" }
          : { status: "retry", code: "partial_failure_unreadable" },
      );
    }
    return classifyPartialFailure(count, errors, results);
  }
  const error = json?.error;
  const errors = googleStatusErrors(error);
  // A version Google has switched off answers a bare 404 for its whole path (no GoogleAdsFailure):
  // every request fails alike until the version changes, so the lane waits for that.
  if (httpStatus === 404 && errors.length === 0) {
    return Array.from({ length: count }, () => ({ status: "hold", code: "http_404", message: RETIRED_ADS_VERSION_MESSAGE }));
  }
  // Quota errors carry Google's wait in the body; the Ads API sends no Retry-After.
  return classifyRejectedRequest(count, httpStatus, errors, googleStatusName(error, httpStatus), googleRetryAfterMs(retryAfterMs, error));
}

function isEmpty(value: unknown): boolean {
  return value === null || typeof value !== "object" || Object.keys(value).length === 0;
}
