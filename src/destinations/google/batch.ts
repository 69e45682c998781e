import type { DeliveryItem, ItemOutcome } from "../types";
import { googlePrecheck, repeatedOrderRows } from "./conversion";
import { REJECTED_WITH_BATCH } from "./errors";
import { sendPrechecked } from "../precheck";

/** Rows held back because an earlier row of the same batch carries their order id. */
export const ORDER_ID_REPEATED_IN_BATCH = "order_id_repeated_in_batch";

/** A batch Google rejected for some rows is resent without them, at most this many times in all. */
const MAX_ROUNDS = 3;

/**
 * The delivery loop shared by both Google adapters:
 * 1. rows that cannot be attributed fail before any request (they would otherwise be rejected by
 *    Google and, in the Data Manager's fast-fail model, take the whole batch with them);
 * 2. a repeated order id waits for a later request (two in one request both fail, none counted);
 * 3. the rest is posted; rows Google did not process only because others were rejected
 *    (REJECTED_WITH_BATCH) are posted again without the rejected ones.
 * `post` returns one outcome per row it was given, in order.
 */
export async function sendGoogleBatch(
  items: DeliveryItem[],
  post: (rows: DeliveryItem[]) => Promise<ItemOutcome[]>,
): Promise<ItemOutcome[]> {
  return sendPrechecked(items, googlePrecheck, async (candidates) => {
    const outcomes = new Array<ItemOutcome | undefined>(candidates.length);
    const repeated = repeatedOrderRows(candidates);
    let pending = candidates.flatMap((_, i) => {
      if (!repeated.has(i)) return [i];
      outcomes[i] = { status: "retry", code: ORDER_ID_REPEATED_IN_BATCH };
      return [];
    });

    for (let round = 1; pending.length > 0; round++) {
      const results = await post(pending.map((i) => candidates[i]!));
      const again: number[] = [];
      pending.forEach((i, k) => {
        const outcome = results[k] ?? { status: "retry", code: "missing_outcome" };
        if (outcome.status === "retry" && outcome.code === REJECTED_WITH_BATCH && round < MAX_ROUNDS) again.push(i);
        else outcomes[i] = outcome;
      });
      pending = again;
    }
    return outcomes.map((o) => o ?? { status: "retry", code: "missing_outcome" });
  });
}
