import type { RelayAdjustment } from "../../src/events/adjustment";
import { log } from "../../src/platform/log";
import type { DueDelivery, RelayStore } from "./store";

/**
 * How long an adjustment waits, per check, for its original to be recorded. The Data Manager
 * processes an ingest asynchronously: a restatement whose `transactionId` Google has not matched
 * yet would be taken for a new conversion
 * (https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments),
 * so it goes only once the original's request status said SUCCESS.
 */
export const ORIGINAL_WAIT_MS = 60_000;

/**
 * Right before sending, the adjustments of one destination that may go now. Those whose original
 * is still being sent (queued again by a replay, or accepted and processing) wait; those whose
 * original ended without reaching the destination, or reached it only as test traffic, are blocked; a destination that cannot take
 * adjustments (its type changed) ends them `not_supported`.
 */
export function gateAdjustments(
  store: RelayStore,
  destinationId: string,
  supported: boolean,
  rows: DueDelivery[],
  now: number,
  retryScale: number,
): DueDelivery[] {
  const ready: DueDelivery[] = [];
  for (const row of rows) {
    if (!supported) {
      store.closeDelivery(row.event_id, destinationId, { reason: "not_supported", status: "not_supported" }, now);
      store.bumpCounter(now, "adjustment:not_supported", destinationId);
      continue;
    }
    const originalId = (JSON.parse(row.body) as RelayAdjustment).adjustment.originalEventId;
    const original = originalId ? store.deliveryOf(originalId, destinationId) : undefined;
    // Gone (purged after 24 h) or never stored: decided at ingest, on the adjustment's own consent.
    if (!original || original.status === "delivered") {
      ready.push(row);
    } else if (original.status === "pending" || original.status === "processing") {
      store.lease([row.event_id], destinationId, now + Math.max(1, Math.round(ORIGINAL_WAIT_MS * retryScale)));
    } else {
      // Test traffic (validated) was checked, never recorded: nothing to adjust there either.
      const reason = original.status === "validated" ? "original_test_only" : "original_not_delivered";
      store.closeDelivery(row.event_id, destinationId, { reason, status: "blocked" }, now);
      store.bumpCounter(now, `adjustment:blocked:${reason}`, destinationId);
      log.info("adjustment_blocked", { eventId: row.event_id, destinationId, reason });
    }
  }
  return ready;
}
