import type { Decision } from "../consent/decide";
import type { RequestPacing } from "../delivery/pacing";
import type { RelayAdjustment } from "../events/adjustment";
import type { RelayEvent } from "../events/conversion";
import type { Failure } from "../platform/outcome";

/** One due delivery handed to a destination adapter. */
export interface DeliveryItem {
  eventId: string;
  event: RelayEvent;
  decision: Exclude<Decision, "blocked">;
}

/**
 * What became of one item. `retry` is retried with backoff until the 24 h window closes. `hold`
 * is a credential, permission or account-setup error that only the tenant can fix: the item stays
 * queued and the destination's lane waits in `needs_attention` (see src/delivery/lane.ts), with
 * `message` telling the tenant what to do (fixed text: never the vendor's words, which may quote
 * ids or tokens).
 */
export type ItemOutcome =
  | { status: "delivered" }
  /** Accepted for asynchronous processing; the outcome is read later under this request id. */
  | { status: "processing"; requestId: string }
  /** retry, hold or failed: the relay's one failure vocabulary (src/platform/outcome.ts). */
  | Failure;

export interface SendContext {
  /** Whose delivery this is: credential caches are keyed by it, never shared between tenants. */
  scope: { tenantId: string; destinationId: string };
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
  env: Env;
  now: number;
  /** Outbound fetch; a parameter so adapters stay testable without a network. */
  fetch: typeof fetch;
  /**
   * Shared by the destination lanes of one delivery run (one request context), so two lanes
   * needing the same token wait for one fetch. Never shared across runs or objects.
   */
  runMemo?: Map<string, Promise<unknown>>;
}

/** One due adjustment (refund, cancellation) of an order the destination received. */
export interface AdjustmentItem {
  eventId: string;
  adjustment: RelayAdjustment;
}

/**
 * How a destination takes refunds and cancellations. A destination without it cannot: its
 * adjustment deliveries end `not_supported` and nothing is sent.
 */
export interface AdjustmentSupport {
  maxBatchSize: number;
  send(items: AdjustmentItem[], ctx: SendContext): Promise<ItemOutcome[]>;
  /** The request body `send` would post for this adjustment (dry-run, tests). */
  preview(item: AdjustmentItem, settings: Record<string, unknown>): { body: unknown };
}

/**
 * A destination: a small declarative definition plus `send`, which returns one outcome per item
 * (same order). Adapters never throw for a vendor's answer; they classify it.
 */
export interface DestinationAdapter {
  type: string;
  /** Which hashed identity family the adapter reads (see src/identity). */
  family: string;
  maxBatchSize: number;
  /**
   * Requests per tenant lane, for an API whose quota all tenants of a deployment share
   * (src/delivery/pacing.ts). Absent: every alarm run sends what is due.
   */
  pacing?: RequestPacing;
  /** The operator var holding the API version used unless the destination pins `apiVersion`. */
  apiVersionVar?: "META_API_VERSION" | "GOOGLE_ADS_API_VERSION";
  send(items: DeliveryItem[], ctx: SendContext): Promise<ItemOutcome[]>;
  /** The request body `send` would post for these items, or why an item would not be sent (dry-run). */
  preview(item: DeliveryItem, settings: Record<string, unknown>, now: number): { body: unknown } | { notSent: string };
  /** Refunds and cancellations; absent: not supported (see durable-objects/relay/adjust.ts). */
  adjustments?: AdjustmentSupport;
}
