import type { ConsentInput, RelayEvent } from "./conversion";

/**
 * Refunds and cancellations. A source maps them to an adjustment of the original order: full (a
 * cancellation, a full refund) or partial (money given back, the order's new net value then
 * known or computed from the original). Adjustments carry no user data at all: the order id, the
 * adjustment time and the value are all a destination receives.
 */
export type AdjustmentKind = "cancellation" | "refund";

/** What a source adapter produces for a refund or cancellation webhook. */
export interface AdjustmentEvent {
  tenantId: string;
  sourceId: string;
  /**
   * The original conversion's dedup key (Shopify order id, ROLLER booking uniqueId, …) or an alias
   * the original recorded (Stripe `payment_intent:pi_…`), to find the stored original.
   */
  orderKey: string;
  /**
   * Stable across redeliveries of this one adjustment (refund id, `cancelled`, cumulative amount
   * refunded); with the order key it deduplicates adjustments like purchases.
   */
  adjustmentKey: string;
  /** The platform's delivery id; only recognises redeliveries. */
  deliveryId?: string;
  /** The order id as sent with the original, when the platform names it; else taken from the original. */
  orderId?: string;
  kind: AdjustmentKind;
  /** When the platform made the adjustment, epoch ms; never "now". */
  occurredAt: number;
  /** Amount given back by this adjustment; absent: the whole order (full). */
  refundedValue?: number;
  /** The order's net value after this adjustment, when the platform states it (Stripe). */
  netValue?: number;
  /** Whether the platform says the order is now fully refunded or cancelled. */
  full: boolean;
  currency?: string;
  /** Consent signals the adjustment itself carries (used once the original is gone). */
  consent?: ConsentInput;
  joinKey?: string;
}

/** What the stored adjustment says about itself, kept on its RelayEvent body. */
export interface AdjustmentDetail {
  kind: AdjustmentKind;
  /** RETRACTION (true) or RESTATEMENT to `value` (false). */
  full: boolean;
  refundedValue?: number;
  /** The original event, while it is stored. */
  originalEventId?: string;
  /** The original's conversion time, while known: an adjustment must come after it. */
  conversionAt?: number;
}

/**
 * A stored adjustment: a RelayEvent (so the log, purge and retry machinery handle it like any
 * event) whose `value` is the order's new net value (0 when full), `occurredAt` the adjustment
 * time, and which has no identity, click ids or client context.
 */
export interface RelayAdjustment extends RelayEvent {
  adjustment: AdjustmentDetail;
}

export function isAdjustment(event: RelayEvent): event is RelayAdjustment {
  return (event as Partial<RelayAdjustment>).adjustment !== undefined;
}

/** Net values this close to zero are a full refund (float cents). */
export const FULL_REFUND_EPSILON = 0.005;
