import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/http/errors";
import { stripeSource } from "../../../src/sources/stripe";
import { parseStripeSignature } from "../../../src/sources/stripe/signature";
import { SECRETS, changed, context, fixtures, oneByteChanged, request, sign } from "../helpers";

const NOW = Date.UTC(2026, 10, 22, 12);
const NOW_S = NOW / 1000;
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

async function parse(event: unknown, options: Record<string, unknown> = {}) {
  const raw = JSON.stringify(event);
  return stripeSource.parse(request(raw, await sign.stripe(raw, { timestamp: NOW_S })), context(SECRETS.stripe, options, NOW));
}

const event = (mutate: (session: any, event: any) => void = () => {}) => changed(fixtures.stripeCompleted, (e) => mutate(e.data.object, e));

describe("Stripe: Stripe-Signature", () => {
  const raw = JSON.stringify(fixtures.stripeCompleted());
  const verify = (body: string, headers: Record<string, string>, secret = SECRETS.stripe, now = NOW) =>
    stripeSource.verify(request(body, headers), context(secret, {}, now));

  it("accepts hex HMAC-SHA256 of `t.body` keyed by the whsec_ secret as written", async () => {
    expect(await verify(raw, await sign.stripe(raw, { timestamp: NOW_S }))).toBe(true);
  });

  it("accepts any v1 among several (secret rotation) and ignores v0", async () => {
    const headers = await sign.stripe(raw, { timestamp: NOW_S, extra: [`v1=${"0".repeat(64)}`, "v1=zz"] });
    expect(headers["stripe-signature"]).toMatch(/^t=\d+,v1=0{64},v1=zz,v1=[0-9a-f]{64},v0=/);
    expect(await verify(raw, headers)).toBe(true);
    const real = /v1=([0-9a-f]{64}),v0=/.exec(headers["stripe-signature"])![1];
    expect(await verify(raw, { "stripe-signature": `t=${NOW_S},v0=${real}` })).toBe(false);
  });

  it("allows 300 s either way and no more", async () => {
    expect(await verify(raw, await sign.stripe(raw, { timestamp: NOW_S - 299 }))).toBe(true);
    expect(await verify(raw, await sign.stripe(raw, { timestamp: NOW_S - 301 }))).toBe(false);
    expect(await verify(raw, await sign.stripe(raw, { timestamp: NOW_S + 301 }))).toBe(false);
  });

  it("rejects a body changed by one byte, a wrong secret, a missing or unparsable header", async () => {
    const headers = await sign.stripe(raw, { timestamp: NOW_S });
    expect(await verify(oneByteChanged(raw), headers)).toBe(false);
    expect(await verify(raw, await sign.stripe(raw, { timestamp: NOW_S, secret: "whsec_some_other_endpoint" }))).toBe(false);
    expect(await verify(raw, { "content-type": "application/json" })).toBe(false);
    expect(await verify(raw, { "stripe-signature": "garbage" })).toBe(false);
    expect(await verify(raw, { "stripe-signature": `v1=${"a".repeat(64)}` })).toBe(false);
  });

  it("does not base64-decode the secret the way Standard Webhooks does", async () => {
    const key = Uint8Array.from(
      atob(
        SECRETS.stripe
          .slice("whsec_".length)
          .replace(/[^A-Za-z0-9+/]/g, "")
          .slice(0, 32),
      ),
      (c) => c.charCodeAt(0),
    );
    const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${NOW_S}.${raw}`)));
    const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(await verify(raw, { "stripe-signature": `t=${NOW_S},v1=${hex}` })).toBe(false);
  });

  it("parses the header into a timestamp and the v1 list", () => {
    expect(parseStripeSignature("t=1795385700,v1=ab,v0=cd,v1=ef")).toEqual({ timestamp: 1795385700, signatures: ["ab", "ef"] });
    expect(parseStripeSignature("v1=ab")).toBeNull();
    expect(parseStripeSignature("t=12,v0=ab")).toBeNull();
  });
});

describe("Stripe: checkout session → ConversionEvent", () => {
  it("maps a paid checkout.session.completed, every field", async () => {
    expect(await parse(fixtures.stripeCompleted())).toEqual({
      kind: "conversion",
      event: {
        tenantId: "t-unit",
        sourceId: "src",
        dedupKey: "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8",
        deliveryId: "evt_1QbXyZ2eZvKYlo2C8mNqRsTu",
        orderId: "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8",
        eventName: "Purchase",
        occurredAt: 1795385700_000,
        value: 495000,
        currency: "JPY",
        items: [],
        customer: {
          email: "kenji.tanaka@example.jp",
          phone: "+81 90-1234-5678",
          firstName: "Kenji",
          lastName: "Tanaka",
          city: "Shibuya-ku",
          state: "Tokyo",
          zip: "150-0001",
          country: "JP",
          externalId: "cus_RkT2mN8pQ4sV6w",
        },
        clickIds: { gclid: "EAIaIQobChMIexample", fbp: "fb.1.1795380000000.5550001111", fbclid: "IwAR0exampleFbclid" },
        client: { ip: "198.51.100.23", userAgent: IPHONE_UA, pageUrl: "https://shop.example.jp/checkout?fbclid=IwAR0exampleFbclid" },
        consent: { meta: "granted", gcm: { ad_storage: "granted", ad_user_data: "granted" } },
        joinKey: "sj_9d8c7b6a5f4e",
        // What a later charge.refunded finds the order by.
        orderAliases: ["payment_intent:pi_3QbXyZ2eZvKYlo2C1AbCdEfG"],
      },
    });
  });

  it("converts amounts from minor units per currency", async () => {
    const value = async (amount: number, currency: string) => {
      const result = await parse(event((s) => Object.assign(s, { amount_total: amount, currency })));
      return result.kind === "conversion" ? [result.event.value, result.event.currency] : undefined;
    };
    expect(await value(2999, "usd")).toEqual([29.99, "USD"]);
    expect(await value(15000, "krw")).toEqual([15000, "KRW"]);
    expect(await value(12340, "kwd")).toEqual([12.34, "KWD"]);
  });

  it("ignores an unpaid or payment-free completion and counts the async success instead, on the same key", async () => {
    expect(await parse(event((s) => (s.payment_status = "unpaid")))).toEqual({ kind: "ignored", reason: "payment_status:unpaid" });
    expect(await parse(event((s) => Object.assign(s, { payment_status: "no_payment_required", amount_total: null })))).toEqual({
      kind: "ignored",
      reason: "payment_status:no_payment_required",
    });
    const async = await parse(
      event((_s, e) => {
        e.type = "checkout.session.async_payment_succeeded";
        e.id = "evt_async";
      }),
    );
    expect(async.kind === "conversion" && [async.event.dedupKey, async.event.deliveryId]).toEqual([
      "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8",
      "evt_async",
    ]);
  });

  it("ignores other event types and test-mode events unless allowed", async () => {
    expect(await parse(event((_s, e) => (e.type = "checkout.session.expired")))).toEqual({
      kind: "ignored",
      reason: "event_type:checkout.session.expired",
    });
    expect(await parse(event((_s, e) => (e.livemode = false)))).toEqual({ kind: "ignored", reason: "test_mode_event" });
    expect(
      (
        await parse(
          event((_s, e) => (e.livemode = false)),
          { allowTestEvents: true },
        )
      ).kind,
    ).toBe("conversion");
  });

  it("reads order id, join key and external id overrides from metadata; falls back to customer_email", async () => {
    const result = await parse(
      event((s) => {
        Object.assign(s.metadata, { order_id: "SO-20931", sluice_join_key: "sj_meta", external_id: "user-77" });
        s.customer_details.email = null;
        s.customer_email = "billing@example.jp";
      }),
    );
    expect(result.kind === "conversion" && result.event).toMatchObject({
      orderId: "SO-20931",
      dedupKey: "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8",
      joinKey: "sj_meta",
      customer: { email: "billing@example.jp", externalId: "user-77" },
    });
  });

  it("never reads consent.promotions as ad consent", async () => {
    const result = await parse(event((s) => delete s.metadata.sluice_consent));
    expect(result.kind === "conversion" && result.event.consent).toBeUndefined();
  });

  it("answers 400 for malformed or incomplete events", async () => {
    for (const bad of [
      event((s) => delete s.amount_total),
      event((s) => (s.amount_total = 10.5)),
      event((s) => (s.currency = "yenn")),
      event((_s, e) => delete e.created),
      event((_s, e) => (e.data = {})),
    ]) {
      await expect(parse(bad)).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.status === 400);
    }
  });
});
