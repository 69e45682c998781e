import type { AdjustmentItem } from "../types";

/**
 * Rows repeating an earlier row's order id wait for a later request: a second restatement of one
 * conversion needs its own, later adjustment time and is ignored (or rejected with
 * DUPLICATE_ADJUSTMENT_IN_REQUEST) in the same request
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustment).
 */
export function repeatedAdjustmentRows(items: AdjustmentItem[]): Set<number> {
  const seen = new Set<string>();
  const repeated = new Set<number>();
  items.forEach((item, i) => {
    if (seen.has(item.adjustment.orderId)) repeated.add(i);
    seen.add(item.adjustment.orderId);
  });
  return repeated;
}
