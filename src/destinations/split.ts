import type { DeliveryItem, ItemOutcome } from "./types";

/**
 * What one POST of a batch came back with: an outcome per item (the API said which events
 * failed), or one outcome for the whole request, `splittable` when it concerns events in it (an
 * invalid event rejecting the whole batch) rather than the request (a token, throttling).
 */
export type BatchAnswer = { perItem: ItemOutcome[] } | RequestAnswer;
export type RequestAnswer = { outcome: ItemOutcome; splittable: boolean };

/**
 * Answers about the request itself, never split, in a destination's outcome codes: `retry` after
 * the wait the API asked for when it gave one, `hold` with what the tenant must fix (a token, a
 * permission) before the lane resumes.
 */
export function requestAnswers<Code extends string>() {
  return {
    retry: (code: Code, retryAfterMs?: number): RequestAnswer => ({
      outcome: { status: "retry", code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      splittable: false,
    }),
    hold: (code: Code, message: string): RequestAnswer => ({ outcome: { status: "hold", code, message }, splittable: false }),
  };
}

/**
 * Requests one send may spend isolating invalid events: halving finds one bad event among 1,000
 * in about 20, so this bounds a batch full of them (the rest are retried later, not dropped).
 */
export const SPLIT_REQUEST_BUDGET = 40;

/**
 * Sends a batch; when the API rejects it whole for an event in it, halves it until the bad event
 * is alone, so the valid ones still go through. Request-level answers are never split.
 */
export async function sendSplitting(
  items: DeliveryItem[],
  post: (batch: DeliveryItem[]) => Promise<BatchAnswer>,
  budget = { left: SPLIT_REQUEST_BUDGET },
): Promise<ItemOutcome[]> {
  if (budget.left <= 0) return items.map(() => ({ status: "retry", code: "split_budget_exhausted", perRow: true }));
  budget.left--;
  const answer = await post(items);
  if ("perItem" in answer) return items.map((_, i) => answer.perItem[i] ?? { status: "retry", code: "missing_outcome" });
  if (!answer.splittable || items.length === 1) return items.map(() => answer.outcome);
  const mid = Math.ceil(items.length / 2);
  const first = await sendSplitting(items.slice(0, mid), post, budget);
  const second = await sendSplitting(items.slice(mid), post, budget);
  return [...first, ...second];
}
