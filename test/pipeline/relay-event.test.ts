import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/config/encoding";
import type { ConversionEvent } from "../../src/events/conversion";
import { toRelayEvent } from "../../src/pipeline/relay-event";

const event: ConversionEvent = {
  tenantId: "t-relay-event",
  sourceId: "shop",
  dedupKey: "o-1",
  orderId: "o-1",
  eventName: "Purchase",
  occurredAt: Date.parse("2026-12-04T12:00:00Z"),
  value: 49,
  currency: "EUR",
  items: [],
  customer: { email: "  John.Doe@Example.COM ", phone: "(650) 555-1212", externalId: "User-123", country: "US" },
  clickIds: { fbp: "fb.1.1767000000000.123456789" },
  client: {},
  consent: { meta: "granted" },
};

describe("toRelayEvent", () => {
  afterEach(() => vi.restoreAllMocks());

  it("hashes each distinct value once: the subject keys reuse Meta's and Google's digests of the same email, phone and external id", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");
    const relayEvent = await toRelayEvent(event, { defaultCountry: "US" }, new Set(["meta", "google"]));
    // Meta: em, ph, country, external_id; Google: the phone with its "+" (its email is Meta's);
    // subject keys: the order id and fbp (em, ph and xid are Meta's). Seven digests, not eleven.
    const hashed = digest.mock.calls.map(([, data]) => new TextDecoder().decode(data as Uint8Array));
    expect(hashed).toHaveLength(7);
    expect(new Set(hashed).size).toBe(7);

    const email = await sha256Hex("john.doe@example.com");
    const phone = await sha256Hex("16505551212");
    const externalId = await sha256Hex("user-123");
    expect(relayEvent.identity.meta).toMatchObject({ em: [email], ph: [phone], external_id: [externalId] });
    expect(relayEvent.identity.google).toMatchObject({ hashedEmail: email, hashedPhoneNumber: await sha256Hex("+16505551212") });
    expect(relayEvent.subjectKeys).toEqual(
      expect.arrayContaining([`em:${email}`, `ph:${phone}`, `xid:${externalId}`, `order:${await sha256Hex("o-1")}`]),
    );
  });
});
