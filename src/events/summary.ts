import type { RelayEvent } from "./conversion";

/** What an event carries, by field name only: no identifier value, raw or hashed, ever. */
export function eventSummary(body: RelayEvent) {
  return {
    eventName: body.eventName,
    occurredAt: new Date(body.occurredAt).toISOString(),
    value: body.value,
    ...(body.receivedValue !== undefined && body.receivedValue !== body.value ? { receivedValue: body.receivedValue } : {}),
    currency: body.currency,
    identifiers: Object.fromEntries(Object.entries(body.identity).map(([family, fields]) => [family, Object.keys(fields ?? {})])),
    clickIds: Object.keys(body.clickIds),
    consentSignals: Object.keys(body.consent ?? {}),
  };
}
