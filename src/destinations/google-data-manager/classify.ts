import { classifyRejectedRequest, googleRetryAfterMs, googleStatusErrors, googleStatusName } from "../google/errors";
import type { ItemOutcome } from "../types";

/** What an `events:ingest` answer says about the request as a whole (for the delivery log). */
export type IngestStatus = "accepted" | "validated" | "rejected" | "unreadable";

/**
 * An `events:ingest` answer → one outcome per row. Pure. The Data Manager API fails fast: any
 * invalid event rejects the request with a google.rpc.Status whose BadRequest field violations
 * name the events (`events[2]…`); those rows are classified like Ads API errors, the others are
 * marked for resending. A 2xx accepts every event for asynchronous processing under its `requestId`.
 */
export function classifyIngestAnswer(
  count: number,
  httpStatus: number,
  body: unknown,
  validateOnly: boolean,
  retryAfterMs?: number,
): { status: IngestStatus; outcomes: ItemOutcome[] } {
  const json = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
  if (httpStatus >= 200 && httpStatus < 300) {
    // validateOnly answers carry no requestId; a real ingest without one was not confirmed.
    if (!validateOnly && typeof json?.requestId !== "string") {
      return { status: "unreadable", outcomes: Array.from({ length: count }, () => ({ status: "retry", code: "malformed_response" })) };
    }
    if (validateOnly) return { status: "validated", outcomes: Array.from({ length: count }, () => ({ status: "delivered" })) };
    // Accepted is not processed: the outcome is read later from requestStatus:retrieve
    // (https://developers.google.com/data-manager/api/reference/rest/v1/requestStatus/retrieve).
    const requestId = json!.requestId as string;
    return { status: "accepted", outcomes: Array.from({ length: count }, () => ({ status: "processing", requestId })) };
  }
  const error = json?.error;
  const outcomes = classifyRejectedRequest(
    count,
    httpStatus,
    googleStatusErrors(error),
    googleStatusName(error, httpStatus),
    googleRetryAfterMs(retryAfterMs, error),
  );
  return { status: "rejected", outcomes };
}
