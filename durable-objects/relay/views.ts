import { eventSourceUrl } from "../../src/destinations/meta/source-url";
import { isAdjustment, type RelayAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import { eventSummary } from "../../src/events/summary";
import type { AdjustmentView, DeliveryView, EventDetailView, EventView } from "../../src/platform/relay-rpc";
import type { DeliveryRow, EventRow } from "./store";

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

export function eventDetailView(
  event: EventRow,
  deliveries: DeliveryRow[],
  adjustments: EventRow[] = [],
  siteUrl?: string,
): EventDetailView {
  const body = JSON.parse(event.body) as RelayEvent;
  const view: EventView & Pick<EventDetailView, "adjustments"> = eventView(event, deliveries);
  if (adjustments.length > 0) {
    view.adjustments = adjustments.map((row) => ({ id: row.id, ...adjustmentView(JSON.parse(row.body) as RelayAdjustment) }));
  }
  // Where each Meta delivery's event_source_url comes from (page, referrer, origin or the tenant's
  // siteUrl), resolved as the payload resolves it; none for a delivery sent without one.
  const from = eventSourceUrl(body.client ?? {}, siteUrl)?.from;
  if (from) {
    for (const d of view.deliveries) {
      // Not for a delivery that was never to be sent (blocked, suppressed) or failed for lack of one.
      const unsent = d.status === "blocked" || d.status === "suppressed" || d.lastError === "website_context_missing";
      if (d.type === "meta" && !unsent) d.eventSourceUrlFrom = from;
    }
  }
  return { ...view, ...eventSummary(body) } as EventDetailView;
}
