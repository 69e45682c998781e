import type { DeliveryItem, ItemOutcome } from "../types";
import { googlePrecheck } from "./conversion";
import { isSentAlone, REJECTED_WITH_BATCH } from "./errors";
import { sendPrechecked } from "../precheck";

/** Rows held back because an earlier row of the same batch carries their order id. */
export const ORDER_ID_REPEATED_IN_BATCH = "order_id_repeated_in_batch";

/** A batch Google rejected for some rows is resent without them, at most this many times in all. */
const MAX_ROUNDS = 3;

/**
 * Rows sharing a click and conversion time are sent again one per request, at most this many per
 * send (the rest wait for the next run): usually two orders placed in the same second.
 */
const MAX_SENT_ALONE = 20;

/**
 * The delivery loop shared by both Google adapters:
 * 1. rows that cannot be attributed fail before any request (they would otherwise be rejected by
 *    Google and, in the Data Manager's fast-fail model, take the whole batch with them);
 * 2. a repeated order id waits for a later request: Google allows one conversion per (action,
 *    order id), and a second row with the same order id in one request fails both with
 *    DUPLICATE_ORDER_ID, neither recorded;
 * 3. the rest is posted; rows Google did not process only because others were rejected
 *    (REJECTED_WITH_BATCH) are posted again without the rejected ones;
 * 4. rows Google left unprocessed for clashing with another row of the request
 *    (DUPLICATE_CLICK_CONVERSION_IN_REQUEST: same click and conversion time; DUPLICATE_ORDER_ID)
 *    are posted again, one per request.
 * `post` returns one outcome per row it was given, in order.
 */
export async function sendGoogleBatch(
  items: DeliveryItem[],
  post: (rows: DeliveryItem[]) => Promise<ItemOutcome[]>,
): Promise<ItemOutcome[]> {
  return sendPrechecked(items, googlePrecheck, (candidates) => postGoogleRows(candidates, (item) => item.event.orderId, post));
}

/**
 * Steps 2 and 3 for any kind of row (conversions, adjustments): rows repeating an earlier row's
 * order id wait for a later request, the rest are posted, and rows rejected only with their batch
 * are posted again.
 */
export async function postGoogleRows<T>(
  candidates: T[],
  orderIdOf: (row: T) => string,
  post: (rows: T[]) => Promise<ItemOutcome[]>,
): Promise<ItemOutcome[]> {
  {
    const repeated = repeatedRows(candidates, orderIdOf);
    const outcomes = new Array<ItemOutcome | undefined>(candidates.length);
    let pending = candidates.flatMap((_, i) => {
      if (!repeated.has(i)) return [i];
      outcomes[i] = { status: "retry", code: ORDER_ID_REPEATED_IN_BATCH, perRow: true };
      return [];
    });

    const alone: number[] = [];
    for (let round = 1; pending.length > 0; round++) {
      const results = await post(pending.map((i) => candidates[i]!));
      const again: number[] = [];
      pending.forEach((i, k) => {
        const outcome = results[k] ?? { status: "retry", code: "missing_outcome" };
        if (outcome.status === "retry" && outcome.code === REJECTED_WITH_BATCH && round < MAX_ROUNDS) again.push(i);
        else {
          outcomes[i] = outcome;
          if (outcome.status === "retry" && isSentAlone(outcome.code)) alone.push(i);
        }
      });
      pending = again;
    }
    // Google processed none of the rows that clashed within one request; alone, each is a
    // conversion of its own (its order id keeps a resend from counting twice).
    for (const i of alone.slice(0, MAX_SENT_ALONE)) {
      const [outcome] = await post([candidates[i]!]);
      outcomes[i] = outcome ?? { status: "retry", code: "missing_outcome" };
    }
    return outcomes.map((o) => o ?? { status: "retry", code: "missing_outcome" });
  }
}

/** Indexes of the rows whose key an earlier row already has. */
function repeatedRows<T>(rows: T[], keyOf: (row: T) => string): Set<number> {
  const seen = new Set<string>();
  const repeated = new Set<number>();
  rows.forEach((row, i) => {
    if (seen.has(keyOf(row))) repeated.add(i);
    seen.add(keyOf(row));
  });
  return repeated;
}
