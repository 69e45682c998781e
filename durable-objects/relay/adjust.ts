import type { DestinationRef } from "../../src/consent/decide";
import { FULL_REFUND_EPSILON, type AdjustmentEvent, type RelayAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import type { NewDelivery } from "../../src/pipeline/consent-gate";
import type { DeliveryRow } from "./store";

/**
 * Where a refund or cancellation goes (pure policy, no I/O). Adjustments carry no user data; what
 * decides is where the original conversion went:
 *
 * - A destination whose definition has no adjustment support (Meta: the Conversions API has no
 *   refund or retraction) ends `not_supported`: nothing is sent, never a negative value.
 * - While the original is stored (its 24 h), the adjustment follows it: where the original is
 *   still queued, held or retrying, it is never sent — a full adjustment suppresses it
 *   (`order_cancelled`), a partial one rewrites the value it will be sent with; where the original
 *   was sent, the adjustment is queued; where it was not (blocked, failed, expired), or only as
 *   test traffic (`validated`: checked, never recorded), nothing goes.
 * - Once the original is gone, Sluice no longer knows where it went: the adjustment is sent only
 *   where its own consent signals (or its join key's beacon) allow, else it is blocked with the
 *   consent reason.
 */

/** The original's delivery states that mean it has reached (or been accepted by) the destination. */
const SENT = new Set(["delivered", "validated", "processing"]);

export interface OriginalState {
  deliveries: DeliveryRow[];
  /** Whether an earlier adjustment already took the whole order back. */
  retracted: boolean;
}

export interface AdjustmentPlanInput {
  destinations: DestinationRef[];
  /** Whether the destination's definition can carry adjustments. */
  supports: (type: string) => boolean;
  full: boolean;
  /** The new net value could be established (a partial refund of an order no longer known cannot). */
  netKnown: boolean;
  orderIdKnown: boolean;
  original?: OriginalState;
  /** Consent verdicts for the adjustment itself, used when the original is gone. */
  consentVerdicts: NewDelivery[];
  now: number;
}

export interface AdjustmentPlan {
  deliveries: NewDelivery[];
  /** Destinations whose queued original is suppressed (full) or re-valued (partial). */
  pendingOriginal: string[];
}

function blocked(d: DestinationRef, reason: string, status: NewDelivery["status"] = "blocked"): NewDelivery {
  return { destinationId: d.id, type: d.type, decision: "blocked", reason, status, nextAttemptAt: null };
}

export function planAdjustment(input: AdjustmentPlanInput): AdjustmentPlan {
  const pendingOriginal: string[] = [];
  const deliveries = input.destinations.map((d): NewDelivery => {
    const sent = input.original?.deliveries.find((row) => row.destination_id === d.id);
    // Cancelled before sent is never sent, to any destination (with or without adjustments).
    if (sent?.status === "pending") pendingOriginal.push(d.id);
    if (!input.supports(d.type)) return blocked(d, "not_supported", "not_supported");
    if (!input.orderIdKnown) return blocked(d, "order_unknown");
    if (input.original) {
      if (sent?.status === "pending") {
        if (input.full) return blocked(d, "order_cancelled", "suppressed");
        return blocked(d, input.netKnown ? "applied_before_sent" : "net_value_unknown");
      }
      // Test traffic (validateOnly) was checked, never recorded: there is no conversion to adjust.
      if (sent?.status === "validated") return blocked(d, "original_test_only");
      if (!sent || !SENT.has(sent.status)) return blocked(d, "original_not_delivered");
      if (input.original.retracted) return blocked(d, "already_retracted");
      if (!input.netKnown) return blocked(d, "net_value_unknown");
      return {
        destinationId: d.id,
        type: d.type,
        decision: "send",
        reason: "original_delivered",
        status: "pending",
        nextAttemptAt: input.now,
      };
    }
    if (!input.netKnown) return blocked(d, "net_value_unknown");
    const verdict = input.consentVerdicts.find((v) => v.destinationId === d.id);
    // Only a plain grant: an adjustment has no identifiers to strip, so no denied-flag mode either.
    if (verdict?.decision !== "send")
      return blocked(d, verdict?.reason && verdict.decision === "blocked" ? verdict.reason : "consent_missing");
    return {
      destinationId: d.id,
      type: d.type,
      decision: "send",
      reason: "adjustment_consent",
      status: "pending",
      nextAttemptAt: input.now,
    };
  });
  return { deliveries, pendingOriginal };
}

/**
 * The destinations a replay may send a refund or cancellation to again, while its original is
 * stored: as when it came, it follows the original, so only where the original was recorded
 * (delivered, or accepted and processing; never test traffic). A partial one goes only while it
 * still states the order's value: after a later refund or a cancellation it would restate a stale
 * value. It carries no buyer data and corrects what was sent with consent, so the consent it is
 * re-checked against is not its own (it has none); a withdrawal still stops it (the caller checks
 * suppressions). `undefined` once the original is gone: its own consent decides, as at ingest.
 */
export function adjustmentReplayTargets(
  adjustment: RelayAdjustment,
  original: { event: RelayEvent; deliveries: Pick<DeliveryRow, "destination_id" | "status">[] } | undefined,
): Set<string> | undefined {
  if (!original) return undefined;
  if (!adjustment.adjustment.full && (original.event.retracted || original.event.value !== adjustment.value)) return new Set();
  return new Set(original.deliveries.filter((d) => d.status === "delivered" || d.status === "processing").map((d) => d.destination_id));
}

/**
 * The order's net value after an adjustment: what the platform states, else the current value
 * less the amount given back; 0 for a full one. Undefined when it cannot be known.
 */
export function netValueAfter(
  adjustment: Pick<AdjustmentEvent, "full" | "netValue" | "refundedValue">,
  current: number | undefined,
): number | undefined {
  if (adjustment.full) return 0;
  if (adjustment.netValue !== undefined) return roundCents(adjustment.netValue);
  if (current === undefined || adjustment.refundedValue === undefined) return undefined;
  return roundCents(Math.max(0, current - adjustment.refundedValue));
}

export function isFullAfter(net: number | undefined, full: boolean): boolean {
  return full || (net !== undefined && net <= FULL_REFUND_EPSILON);
}

/**
 * The order value a refunded amount may be taken off: none when the refund moved money in another
 * currency than the order's value is in. A platform may refund in the buyer's currency while the
 * conversion carries the shop's (the source that does is named in its own folder); taking one off
 * the other would state a wrong value.
 */
export function valueInRefundCurrency(
  orderValue: number | undefined,
  orderCurrency: string | undefined,
  refundCurrency: string | undefined,
): number | undefined {
  if (!refundCurrency || !orderCurrency) return orderValue;
  return refundCurrency.toUpperCase() === orderCurrency.toUpperCase() ? orderValue : undefined;
}

function roundCents(v: number): number {
  return Math.round(v * 100) / 100;
}
