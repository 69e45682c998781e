import { type BatchAnswer, requestAnswers } from "../split";
import type { ItemOutcome } from "../types";

/**
 * Pinterest API for Conversions answers (`POST /v5/ad_accounts/{id}/events` in
 * https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml): 200 with one status per
 * event (`processed` | `failed`, in request order); 400 an invalid request; 401 authentication
 * failed (code 2); 403 not permitted (code 29); 422 "not all events were successfully processed";
 * 429 a rate limit (code 8; 5,000 calls a minute per ad account); 503 the endpoint ramped down.
 */
export const PINTEREST_OUTCOMES = {
  pinterest_rate_limited: "retry",
  pinterest_server_error: "retry",
  pinterest_unknown_error: "retry",
  malformed_response: "retry",
  missing_outcome: "retry",
  timeout: "retry",
  network_error: "retry",
  split_budget_exhausted: "retry",
  pinterest_auth_failed: "hold",
  pinterest_forbidden: "hold",
  pinterest_event_failed: "failed",
  pinterest_invalid_request: "failed",
  pinterest_user_data_missing: "failed",
} as const;

export type PinterestOutcomeCode = keyof typeof PINTEREST_OUTCOMES;

const { retry, hold } = requestAnswers<PinterestOutcomeCode>();

/** Per-event statuses, when the answer carries one for every event sent. */
function eventStatuses(value: unknown, count: number): ItemOutcome[] | undefined {
  const events = value && typeof value === "object" ? (value as { events?: unknown }).events : undefined;
  if (!Array.isArray(events) || events.length !== count) return undefined;
  const outcomes = events.map((e): ItemOutcome | undefined => {
    const status = e && typeof e === "object" ? (e as { status?: unknown }).status : undefined;
    if (status === "processed") return { status: "delivered" };
    if (status === "failed") return { status: "failed", code: "pinterest_event_failed" };
    return undefined;
  });
  return outcomes.every((o) => o !== undefined) ? (outcomes as ItemOutcome[]) : undefined;
}

export function classifyPinterestAnswer(httpStatus: number, body: unknown, count: number, retryAfterMs?: number): BatchAnswer {
  if (httpStatus === 200) {
    const perItem = eventStatuses(body, count);
    return perItem ? { perItem } : retry("malformed_response");
  }
  if (httpStatus === 422) {
    // Which events failed, when the error's details list them; else halve until each is alone.
    const perItem = eventStatuses((body as { details?: unknown } | undefined)?.details, count);
    return perItem ? { perItem } : { outcome: { status: "failed", code: "pinterest_event_failed" }, splittable: true };
  }
  if (httpStatus === 400) return { outcome: { status: "failed", code: "pinterest_invalid_request" }, splittable: true };
  if (httpStatus === 401) {
    return hold(
      "pinterest_auth_failed",
      "Pinterest did not accept the access token: generate a conversion access token in Ads Manager and update the destination.",
    );
  }
  if (httpStatus === 403) {
    return hold(
      "pinterest_forbidden",
      "The token's user may not send conversions for this ad account: check adAccountId and the user's Business Access role, then update the destination.",
    );
  }
  if (httpStatus === 429) return retry("pinterest_rate_limited", retryAfterMs);
  if (httpStatus >= 500 || httpStatus === 408) return retry("pinterest_server_error", retryAfterMs);
  return retry("pinterest_unknown_error", retryAfterMs);
}
