import type { ItemOutcome } from "../types";

/**
 * Reading a `requestStatus:retrieve` answer. Pure.
 *
 * Shape (https://developers.google.com/data-manager/api/reference/rest/v1/requestStatus/retrieve):
 *   { requestStatusPerDestination: [{ destination, requestStatus, errorInfo?: { errorCounts:
 *     [{ recordCount, reason }] }, warningInfo?, eventsIngestionStatus?: { recordCount } }] }
 * `requestStatus` is REQUEST_STATUS_UNKNOWN | SUCCESS | PROCESSING | FAILED | PARTIAL_SUCCESS;
 * `errorInfo` is set only for FAILED and PARTIAL_SUCCESS. `reason` is a ProcessingErrorReason
 * (https://docs.cloud.google.com/php/docs/reference/data-manager/latest/V1.ProcessingErrorReason):
 * counts per reason, never which event. So a reason is pinned on events only when it cannot be
 * anyone else's (one reason covering the whole request); otherwise the events are resent one per
 * request, each then getting its own status. A resent event Google already recorded comes back
 * DUPLICATE_TRANSACTION_ID (Sluice always sets `transactionId`), which means recorded.
 */
export type RequestStatusVerdict =
  | { kind: "processing" }
  /** The same outcome for every event of the request. */
  | { kind: "settled"; outcome: ItemOutcome }
  /** Some events failed, which ones is not said: resend each alone. */
  | { kind: "ambiguous"; reasons: string[] };

const REASON_PREFIX = "PROCESSING_ERROR_REASON_";

/** Google's own failures: the event itself was fine, sending it again may succeed. */
const RETRYABLE = new Set(["INTERNAL_ERROR", "UNSPECIFIED"]);
/** Google already holds this conversion (sent earlier, or recorded by the Google tag). */
const ALREADY_RECORDED = new Set(["DUPLICATE_TRANSACTION_ID", "DUPLICATE_GCLID"]);

/** `PROCESSING_ERROR_REASON_INVALID_GCLID` → `INVALID_GCLID`, the code kept on the delivery. */
export function processingErrorCode(reason: unknown): string {
  const name = typeof reason === "string" && reason ? reason : "UNSPECIFIED";
  return name.startsWith(REASON_PREFIX) ? name.slice(REASON_PREFIX.length) : name;
}

/** What one processing error reason means for the events it names. */
export function outcomeForProcessingError(code: string): ItemOutcome {
  if (ALREADY_RECORDED.has(code)) return { status: "delivered" };
  if (RETRYABLE.has(code)) return { status: "retry", code };
  return { status: "failed", code };
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `count` is how many events the request carried (all for the one destination Sluice names). */
export function classifyRequestStatus(body: unknown, count: number): RequestStatusVerdict {
  const list = asObject(body)?.requestStatusPerDestination;
  const entry = Array.isArray(list) ? asObject(list[0]) : undefined;
  const status = entry?.requestStatus;
  if (status === "SUCCESS") return { kind: "settled", outcome: { status: "delivered" } };
  if (status !== "FAILED" && status !== "PARTIAL_SUCCESS") return { kind: "processing" };

  const counts = asObject(entry?.errorInfo)?.errorCounts;
  const reasons = new Map<string, number>();
  for (const c of Array.isArray(counts) ? counts : []) {
    const code = processingErrorCode(asObject(c)?.reason);
    reasons.set(code, (reasons.get(code) ?? 0) + Number(asObject(c)?.recordCount ?? 0));
  }
  if (reasons.size === 0) {
    // FAILED without a reason: Google's side; PARTIAL_SUCCESS without one: nothing to pin.
    return status === "FAILED"
      ? { kind: "settled", outcome: { status: "retry", code: "UNSPECIFIED" } }
      : { kind: "settled", outcome: { status: "delivered" } };
  }
  const [only, failedCount] = [...reasons][0]!;
  const coversAll = status === "FAILED" || count === 1 || failedCount >= count;
  if (reasons.size === 1 && coversAll) return { kind: "settled", outcome: outcomeForProcessingError(only) };
  return { kind: "ambiguous", reasons: [...reasons.keys()] };
}

/** GET requestStatus:retrieve for one request id. */
export function requestStatusUrl(base: string, requestId: string): string {
  return `${base.replace(/\/+$/, "")}/v1/requestStatus:retrieve?requestId=${encodeURIComponent(requestId)}`;
}
