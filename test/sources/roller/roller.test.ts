import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/http/errors";
import { rollerSource } from "../../../src/sources/roller";
import { presentedKeys } from "../../../src/sources/roller/auth";
import { SECRETS, changed, context, fixtures, request, sign } from "../helpers";

const OPTIONS = { currency: "aud" };
/** An hour after the sample booking was made (its createdDate). */
const SOON_AFTER = Date.parse("2026-11-22T10:57:48Z");
const ctx = (options: Record<string, unknown> = OPTIONS, now = SOON_AFTER) => context(SECRETS.roller, options, now);

function parse(body: unknown, options: Record<string, unknown> = OPTIONS, now = SOON_AFTER) {
  return rollerSource.parse(request(JSON.stringify(body), sign.roller()), ctx(options, now));
}

const created = (mutate: (booking: any, envelope: any) => void = () => {}) =>
  changed(fixtures.rollerCreated, (envelope) => mutate(envelope.data.booking, envelope));

describe("ROLLER: shared-key authentication", () => {
  const body = JSON.stringify(fixtures.rollerCreated());
  const verify = (headers: Record<string, string>, options: Record<string, unknown> = OPTIONS, secret = SECRETS.roller) =>
    rollerSource.verify(request(body, headers), context(secret, options));

  it("accepts the key in x-api-key or x-roller-api-key", async () => {
    expect(await verify(sign.roller())).toBe(true);
    expect(await verify(sign.roller(SECRETS.roller, "x-roller-api-key"))).toBe(true);
  });

  it("accepts Basic auth with the key as password, as user, or as the whole credential, and Bearer", async () => {
    expect(await verify({ authorization: `Basic ${btoa(`roller:${SECRETS.roller}`)}` })).toBe(true);
    expect(await verify({ authorization: `Basic ${btoa(`${SECRETS.roller}:`)}` })).toBe(true);
    expect(await verify({ authorization: `Basic ${btoa(SECRETS.roller)}` })).toBe(true);
    expect(await verify({ authorization: `Basic ${SECRETS.roller}` })).toBe(true);
    expect(await verify({ authorization: `Bearer ${SECRETS.roller}` })).toBe(true);
    expect(await verify({ authorization: `Basic ${btoa("roller:wrong-password")}` })).toBe(false);
  });

  it("uses only the configured header when the source names one", async () => {
    const options = { ...OPTIONS, authHeader: "X-Sluice-Key" };
    expect(await verify({ "x-sluice-key": SECRETS.roller }, options)).toBe(true);
    expect(await verify(sign.roller(), options)).toBe(false);
    expect(presentedKeys(new Headers({ "x-api-key": "a", "x-sluice-key": "b" }), "x-sluice-key")).toEqual(["b"]);
  });

  it("rejects a wrong key, a missing header, a key differing in one character, and an empty secret", async () => {
    expect(await verify(sign.roller("roller-test-shared-key-WRONG"))).toBe(false);
    expect(await verify({ "content-type": "application/json" })).toBe(false);
    expect(await verify(sign.roller(`${SECRETS.roller.slice(0, -1)}6`))).toBe(false);
    expect(await verify(sign.roller(""), OPTIONS, "")).toBe(false);
  });
});

describe("ROLLER: booking → ConversionEvent", () => {
  it("maps a Created booking, every field", () => {
    const result = parse(fixtures.rollerCreated());
    expect(result).toEqual({
      kind: "conversion",
      event: {
        tenantId: "t-unit",
        sourceId: "src",
        dedupKey: "b7c1e0a2-3d4f-4e5a-9b6c-7d8e9f0a1b2c",
        deliveryId: "6f1d2c3b-8a4e-4f0b-9c1d-2e3f4a5b6c7d",
        orderId: "RB240117",
        eventName: "Purchase",
        occurredAt: Date.UTC(2026, 10, 22, 9, 57, 48),
        value: 89.5,
        currency: "AUD",
        items: [
          { id: "120034", quantity: 2, price: 34.75 },
          { id: "120077", quantity: 4, price: 5 },
        ],
        customer: {
          email: "Mary.OBrien@example.com",
          phone: "0412 345 678",
          firstName: "Mary",
          lastName: "O'Brien-Smith",
          city: "Fitzroy",
          state: "VIC",
          zip: "3065",
          country: "AU",
          externalId: "88123401",
        },
        clickIds: {},
        client: {},
        joinKey: "sj_4f9a2c1e8b7d",
      },
    });
    expect(result.kind === "conversion" && "consent" in result.event).toBe(false);
    expect(result.kind === "conversion" && result.enrichment).toBeUndefined();
  });

  it("reads numeric enums and a booking sent directly as `data`", () => {
    const envelope = fixtures.rollerCreated();
    const direct = { ...envelope, type: 1, eventType: 1, data: envelope.data.booking };
    const result = parse(direct);
    expect(result.kind).toBe("conversion");
    expect(result.kind === "conversion" && result.event.dedupKey).toBe("b7c1e0a2-3d4f-4e5a-9b6c-7d8e9f0a1b2c");
  });

  it("counts a paid Updated, with the same dedup key as its Created", () => {
    const paid = parse(created((_b, e) => (e.eventType = "Updated")));
    expect(paid.kind === "conversion" && paid.event.dedupKey).toBe("b7c1e0a2-3d4f-4e5a-9b6c-7d8e9f0a1b2c");
    const byStatus = parse(
      created((b, e) => {
        e.eventType = 2;
        delete b.remainder;
        delete b.amountOwing;
        b.status = "Paid";
      }),
    );
    expect(byStatus.kind).toBe("conversion");
  });

  it("ignores a paid Updated of a booking made more than 24 hours before: its Created counted it, and its dedup record is gone", () => {
    const checkIn = created((_b, e) => (e.eventType = "Updated"));
    const dayAndHourLater = Date.parse("2026-11-23T10:57:48Z");
    expect(parse(checkIn, OPTIONS, dayAndHourLater)).toEqual({ kind: "ignored", reason: "created_before_window" });
    const justUnderADay = Date.parse("2026-11-23T09:50:00Z");
    expect(parse(checkIn, OPTIONS, justUnderADay).kind).toBe("conversion");
    // A Created is counted whatever its age (within the source's time bounds).
    expect(parse(created(), OPTIONS, dayAndHourLater).kind).toBe("conversion");
  });

  it("reads the 24 hours from the booking's createdDate even when it has no offset (the envelope's dates are the Updated's own)", () => {
    // Made at 20:57 in Sydney (09:57 UTC) on the 22nd, stated without an offset; checked in the next evening.
    const checkIn = created((b, e) => {
      e.eventType = "Updated";
      b.createdDate = "2026-11-22T20:57:48";
      e.eventDate = e.sendDate = "2026-11-23T11:00:00Z";
    });
    expect(parse(checkIn, OPTIONS, Date.parse("2026-11-23T11:00:05Z"))).toEqual({ kind: "ignored", reason: "created_before_window" });
    // The same booking updated an hour after it was made is still a conversion (its Created's dedup record stands).
    const soon = created((b, e) => {
      e.eventType = "Updated";
      b.createdDate = "2026-11-22T20:57:48";
      e.eventDate = e.sendDate = "2026-11-22T10:57:48Z";
    });
    expect(parse(soon, OPTIONS, Date.parse("2026-11-22T10:57:50Z")).kind).toBe("conversion");
  });

  it("ignores an unpaid Updated, Deleted, other event and record types, with reasons", () => {
    const owing = created((b, e) => {
      e.eventType = "Updated";
      b.amountOwing = 20;
      b.remainder = 20;
    });
    expect(parse(owing)).toEqual({ kind: "ignored", reason: "booking_not_paid" });
    expect(parse(created((_b, e) => (e.eventType = 4)))).toEqual({ kind: "ignored", reason: "booking_deleted" });
    expect(parse(created((_b, e) => (e.eventType = 9)))).toEqual({ kind: "ignored", reason: "event:9" });
    expect(parse(created((_b, e) => (e.type = "Signed Waiver")))).toEqual({ kind: "ignored", reason: "type:signedwaiver" });
    expect(parse(created((_b, e) => (e.type = 8)))).toEqual({ kind: "ignored", reason: "type:paymentlink" });
  });

  it("reads a Cancelled booking (by name or number) as a full cancellation of its booking, at the envelope's eventDate", () => {
    for (const eventType of ["Cancelled", 3]) {
      expect(parse(created((_b, e) => (e.eventType = eventType)))).toEqual({
        kind: "adjustment",
        adjustment: {
          tenantId: "t-unit",
          sourceId: "src",
          orderKey: "b7c1e0a2-3d4f-4e5a-9b6c-7d8e9f0a1b2c",
          adjustmentKey: "cancelled",
          deliveryId: expect.any(String),
          orderId: "RB240117",
          kind: "cancellation",
          occurredAt: Date.parse("2026-11-22T09:58:01.204Z"),
          full: true,
          currency: expect.any(String),
        },
      });
    }
  });

  it("asks for booking-detail enrichment when the webhook has neither e-mail nor phone", () => {
    const result = parse(
      created((b) => {
        delete b.email;
        delete b.phone;
      }),
    );
    expect(result.kind === "conversion" && result.enrichment).toEqual({
      kind: "roller_booking",
      id: "b7c1e0a2-3d4f-4e5a-9b6c-7d8e9f0a1b2c",
    });
    const phoneOnly = parse(created((b) => delete b.email));
    expect(phoneOnly.kind === "conversion" && phoneOnly.enrichment).toBeUndefined();
  });

  it("takes the join key from the configured field, dot paths included", () => {
    const result = parse(
      created((b) => (b.customFields = { checkoutKey: "sj_custom" })),
      { ...OPTIONS, joinKeyField: "customFields.checkoutKey" },
    );
    expect(result.kind === "conversion" && result.event.joinKey).toBe("sj_custom");
  });

  it("prefers a booking time with an offset, and falls back to the envelope's", () => {
    const local = parse(created((b) => (b.createdDate = "2026-11-22T20:57:48")));
    expect(local.kind === "conversion" && local.event.occurredAt).toBe(Date.parse("2026-11-22T09:58:01.204Z"));
    const none = parse(
      created((b, e) => {
        delete b.createdDate;
        delete e.eventDate;
      }),
    );
    expect(none.kind === "conversion" && none.event.occurredAt).toBe(Date.parse("2026-11-22T09:58:03.512Z"));
  });

  it("answers 400 for a malformed or incomplete booking after a valid key", () => {
    const cases: unknown[] = [
      created((b) => delete b.uniqueId),
      created((b) => (b.total = "eighty")),
      created((_b, e) => delete e.id),
      created((_b, e) => (e.data = "booking")),
      created((b, e) => {
        delete b.createdDate;
        delete e.eventDate;
        delete e.sendDate;
      }),
    ];
    for (const body of cases) {
      expect(() => parse(body)).toThrow(ApiError);
      try {
        parse(body);
      } catch (err) {
        expect((err as ApiError).status).toBe(400);
      }
    }
    expect(() => rollerSource.parse(request("{not json", sign.roller()), ctx())).toThrow(/not valid JSON/);
  });

  it("refuses to run without a currency (a stored config that predates validation)", () => {
    try {
      parse(fixtures.rollerCreated(), {});
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ status: 503, code: "source_misconfigured" });
    }
  });
});
