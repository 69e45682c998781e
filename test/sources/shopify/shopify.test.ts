import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/http/errors";
import { shopifySource } from "../../../src/sources/shopify";
import { SECRETS, changed, context, fixtures, itChecksBodyHmac, request, sign, signedParser, verifier } from "../helpers";

const UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const LANDING =
  "/products/trail-runner-2?utm_source=google&utm_medium=cpc&gclid=Cj0KCQiA5rGuBhCnARIsAN11vgRtQ2pZexample&gbraid=0AAAAADx1example";

const parse = signedParser(shopifySource, SECRETS.shopify, sign.shopify, "orders/paid");
const order = (mutate?: (o: any) => void) => changed(fixtures.shopifyPaid, mutate);

describe("Shopify: X-Shopify-Hmac-Sha256", () => {
  const raw = JSON.stringify(fixtures.shopifyPaid());
  const verify = verifier(shopifySource, SECRETS.shopify);
  itChecksBodyHmac(shopifySource, SECRETS.shopify, sign.shopify, raw, {
    otherSecret: "shpss_another_app_secret",
    header: "x-shopify-hmac-sha256",
  });

  it("verifies the bytes as sent, not a re-serialization", async () => {
    const pretty = JSON.stringify(fixtures.shopifyPaid(), null, 2);
    expect(await verify(raw, await sign.shopify(pretty))).toBe(false);
    expect(await verify(pretty, await sign.shopify(pretty))).toBe(true);
  });
});

describe("Shopify: order → ConversionEvent", () => {
  it("maps orders/paid, every field", async () => {
    expect(await parse(fixtures.shopifyPaid())).toEqual({
      kind: "conversion",
      event: {
        tenantId: "t-unit",
        sourceId: "src",
        dedupKey: "5893014978826",
        deliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        orderId: "5893014978826",
        eventName: "Purchase",
        occurredAt: Date.UTC(2026, 10, 22, 15, 14, 2),
        value: 112.47,
        currency: "USD",
        items: [
          { id: "TR2-MOSS-9", quantity: 1, price: 89 },
          { id: "44567890200001", quantity: 2, price: 5 },
        ],
        customer: {
          email: "jane.doe@example.com",
          phone: "+1 415-555-0134",
          firstName: "Jane",
          lastName: "Doe",
          city: "San Francisco",
          state: "CA",
          zip: "94105",
          country: "US",
          externalId: "7390219857930",
        },
        clickIds: {
          fbp: "fb.1.1763800000000.1234567890",
          fbc: "fb.1.1763802000000.IwAR2xYexample",
          gclid: "Cj0KCQiA5rGuBhCnARIsAN11vgRtQ2pZexample",
          gbraid: "0AAAAADx1example",
        },
        client: {
          ip: "203.0.113.42",
          userAgent: UA,
          pageUrl: `https://northwind-outfitters.myshopify.com${LANDING}`,
        },
        consent: undefined,
        joinKey: "f3b7c9e1a2d4465f8e0b1c2d3e4f5a6b",
      },
    });
  });

  it("never reads buyer_accepts_marketing as consent; reads the _sluice_consent note attribute", async () => {
    const plain = await parse(order((o) => (o.buyer_accepts_marketing = true)));
    expect(plain.kind === "conversion" && plain.event.consent).toBeUndefined();
    const withConsent = await parse(
      order((o) => o.note_attributes.push({ name: "_sluice_consent", value: '{"meta":"granted","categories":{"marketing":true}}' })),
    );
    expect(withConsent.kind === "conversion" && withConsent.event.consent).toEqual({ meta: "granted", categories: { marketing: true } });
  });

  it("uses presentment money and the storefront URL when configured", async () => {
    const result = await parse(fixtures.shopifyPaid(), { valueCurrency: "presentment", storefrontUrl: "https://northwind.example" });
    expect(result.kind === "conversion" && [result.event.value, result.event.currency, result.event.client.pageUrl]).toEqual([
      154.19,
      "CAD",
      `https://northwind.example${LANDING}`,
    ]);
  });

  it("keeps every digit of an id beyond 2^53 through the GraphQL gid", async () => {
    const raw = JSON.stringify(fixtures.shopifyPaid())
      .replace('"id":5893014978826', '"id":820982911946154508')
      .replace("gid://shopify/Order/5893014978826", "gid://shopify/Order/820982911946154508");
    const result = shopifySource.parse(request(raw, await sign.shopify(raw)), context(SECRETS.shopify));
    expect(result.kind === "conversion" && [result.event.dedupKey, result.event.orderId]).toEqual([
      "820982911946154508",
      "820982911946154508",
    ]);
  });

  it("falls back to cart_token, the shipping address, and landing-site click ids", async () => {
    const result = await parse(
      order((o) => {
        delete o.checkout_token;
        delete o.billing_address;
        o.note_attributes = [];
        o.landing_site = "https://northwind.example/?fbclid=IwAR-landing&wbraid=WB-1";
      }),
    );
    expect(result.kind === "conversion" && result.event).toMatchObject({
      joinKey: "Z2NwLWV1cm9wZS13ZXN0NDowMUpCUDdRV1M",
      customer: { firstName: "Jane", city: "San Francisco", state: "CA", zip: "94105", country: "US" },
      clickIds: { fbclid: "IwAR-landing", wbraid: "WB-1" },
      client: { pageUrl: "https://northwind.example/?fbclid=IwAR-landing&wbraid=WB-1" },
    });
  });

  it("counts orders/create only when the source's topics include it", async () => {
    expect(await parse(fixtures.shopifyPaid(), {}, "orders/create")).toEqual({ kind: "ignored", reason: "topic:orders/create" });
    const created = await parse(fixtures.shopifyPaid(), { topics: ["orders/create", "orders/paid"] }, "orders/create");
    expect(created.kind === "conversion" && created.event.dedupKey).toBe("5893014978826");
    expect(await parse(fixtures.shopifyPaid(), {}, "orders/updated")).toEqual({ kind: "ignored", reason: "topic:orders/updated" });
  });

  it("ignores test orders unless allowed, and cancelled orders", async () => {
    expect(await parse(order((o) => (o.test = true)))).toEqual({ kind: "ignored", reason: "test_order" });
    expect(
      (
        await parse(
          order((o) => (o.test = true)),
          { allowTestOrders: true },
        )
      ).kind,
    ).toBe("conversion");
    expect(await parse(order((o) => (o.cancelled_at = "2026-11-22T11:00:00-05:00")))).toEqual({
      kind: "ignored",
      reason: "order_cancelled",
    });
  });

  it("ignores a signed request without a topic", async () => {
    const raw = JSON.stringify(fixtures.shopifyPaid());
    const { "x-shopify-topic": _t, ...headers } = await sign.shopify(raw);
    expect(shopifySource.parse(request(raw, headers), context(SECRETS.shopify))).toEqual({ kind: "ignored", reason: "topic_missing" });
  });

  it("answers 400 for malformed or incomplete orders", async () => {
    for (const bad of [
      order((o) => delete o.total_price),
      order((o) => (o.total_price = "12,00")),
      order((o) => delete o.currency),
      order((o) => (o.created_at = 5)),
      order((o) => {
        o.created_at = "soon";
        o.processed_at = null;
      }),
    ]) {
      await expect(parse(bad)).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.status === 400);
    }
  });
});
