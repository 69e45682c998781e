import { eventSourceUrl, type EventSourceUrlFrom } from "../../src/destinations/meta/source-url";
import { isAdjustment, type RelayAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import type { DeliveryRow, EventRow } from "./store";

export interface DeliveryView {
  destinationId: string;
  type: string;
  decision: string;
  reason: string;
  status: string;
  attempts: number;
  nextAttemptAt?: string;
  lastError?: string;
  /** Meta: the fallback `event_source_url` came from (beacon `referrer` or `origin`); absent: the page URL, the tenant's `siteUrl`, or none. */
  eventSourceUrlFrom?: EventSourceUrlFrom;
}

export interface EventView {
  id: string;
  sourceId: string;
  orderId: string;
  /** `conversion`, or `adjustment` for a refund or cancellation of the order with this order id. */
  kind: "conversion" | "adjustment";
  /** On an adjustment: what it did to the order. */
  adjustment?: AdjustmentView;
  receivedAt: string;
  expiresAt: string;
  deliveries: DeliveryView[];
}

export interface AdjustmentView {
  type: "cancellation" | "refund";
  /** Full (retraction) or partial (restatement to `value`). */
  full: boolean;
  /** The order's net value after the adjustment. */
  value: number;
  currency: string;
  occurredAt: string;
  /** The original conversion's event id, while it is stored. */
  originalEventId?: string;
}

/** The detail view says which identifiers were present, never their values (hashed or raw). */
export interface EventDetailView extends EventView {
  eventName: string;
  occurredAt: string;
  value: number;
  currency: string;
  identifiers: Record<string, string[]>;
  clickIds: string[];
  consentSignals: string[];
  /** On a conversion: its refunds and cancellations, oldest first (each also an event of its own). */
  adjustments?: Array<AdjustmentView & { id: string }>;
}

function deliveryView(row: DeliveryRow): DeliveryView {
  const view: DeliveryView = {
    destinationId: row.destination_id,
    type: row.type,
    decision: row.decision,
    reason: row.reason,
    status: row.status,
    attempts: row.attempts,
  };
  if (row.status === "pending" && row.next_attempt_at !== null) view.nextAttemptAt = new Date(row.next_attempt_at).toISOString();
  if (row.last_error) view.lastError = row.last_error;
  return view;
}

function adjustmentView(body: RelayAdjustment): AdjustmentView {
  return {
    type: body.adjustment.kind,
    full: body.adjustment.full,
    value: body.value,
    currency: body.currency,
    occurredAt: new Date(body.occurredAt).toISOString(),
    ...(body.adjustment.originalEventId ? { originalEventId: body.adjustment.originalEventId } : {}),
  };
}

export function eventView(event: EventRow, deliveries: DeliveryRow[]): EventView {
  const body = event.adjusts ? (JSON.parse(event.body) as RelayEvent) : undefined;
  return {
    id: event.id,
    sourceId: event.source_id,
    orderId: event.order_id,
    kind: body && isAdjustment(body) ? "adjustment" : "conversion",
    ...(body && isAdjustment(body) ? { adjustment: adjustmentView(body) } : {}),
    receivedAt: new Date(event.received_at).toISOString(),
    expiresAt: new Date(event.expires_at).toISOString(),
    deliveries: deliveries.map(deliveryView),
  };
}

/** What an event carries, by field name only: no identifier value, raw or hashed, ever. */
export function eventSummary(body: RelayEvent) {
  return {
    eventName: body.eventName,
    occurredAt: new Date(body.occurredAt).toISOString(),
    value: body.value,
    currency: body.currency,
    identifiers: Object.fromEntries(Object.entries(body.identity).map(([family, fields]) => [family, Object.keys(fields ?? {})])),
    clickIds: Object.keys(body.clickIds),
    consentSignals: Object.keys(body.consent ?? {}),
  };
}

export function eventDetailView(event: EventRow, deliveries: DeliveryRow[], adjustments: EventRow[] = []): EventDetailView {
  const body = JSON.parse(event.body) as RelayEvent;
  const view: EventView & Pick<EventDetailView, "adjustments"> = eventView(event, deliveries);
  if (adjustments.length > 0) {
    view.adjustments = adjustments.map((row) => ({ id: row.id, ...adjustmentView(JSON.parse(row.body) as RelayAdjustment) }));
  }
  const from = eventSourceUrl(body.client ?? {})?.from;
  // Shown when a fallback was used; the page URL is the normal case.
  if (from && from !== "page") for (const d of view.deliveries) if (d.type === "meta") d.eventSourceUrlFrom = from;
  return { ...view, ...eventSummary(body) } as EventDetailView;
}
