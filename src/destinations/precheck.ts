import type { DeliveryItem, ItemOutcome } from "./types";

/**
 * Fails the items a destination can never accept before any request (one such item would
 * otherwise get a whole batch rejected), sends the rest, and returns outcomes in item order.
 */
export async function sendPrechecked(
  items: DeliveryItem[],
  precheck: (item: DeliveryItem) => string | undefined,
  send: (sendable: DeliveryItem[]) => Promise<ItemOutcome[]>,
): Promise<ItemOutcome[]> {
  const outcomes = new Map<DeliveryItem, ItemOutcome>();
  const sendable: DeliveryItem[] = [];
  for (const item of items) {
    const reason = precheck(item);
    if (reason) outcomes.set(item, { status: "failed", code: reason });
    else sendable.push(item);
  }
  if (sendable.length > 0) {
    const results = await send(sendable);
    for (const [i, item] of sendable.entries()) outcomes.set(item, results[i] ?? { status: "retry", code: "missing_outcome" });
  }
  return items.map((item) => outcomes.get(item)!);
}
