import type { RelayEvent } from "../../src/events/conversion";
import { hashIdentity, type IdentityFamily } from "../../src/identity";
import { CUSTOMER } from "./relay";

export const SAMPLE_OCCURRED_AT = Date.parse("2026-11-22T10:00:00Z");

/**
 * A stored event as a destination adapter receives it: order 1001, two of SKU1 at 24.50 EUR, the
 * test CUSTOMER hashed for `family` (default country US), a browser context.
 */
export async function sampleRelayEvent(family: IdentityFamily, overrides: Partial<RelayEvent> = {}): Promise<RelayEvent> {
  return {
    sourceId: "shop",
    dedupKey: "1001",
    orderId: "1001",
    eventName: "Purchase",
    occurredAt: SAMPLE_OCCURRED_AT,
    value: 49,
    currency: "EUR",
    items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
    clickIds: {},
    client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0", pageUrl: "https://shop.example/thanks" },
    subjectKeys: [],
    identity: await hashIdentity(CUSTOMER, { defaultCountry: "US", families: new Set([family]) }),
    ...overrides,
  };
}
