import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/http/errors";
import { wooCommerceSource } from "../../../src/sources/woocommerce";
import { wpSpecialcharsDecode } from "../../../src/sources/woocommerce/signature";
import { SECRETS, changed, fixtures, itChecksBodyHmac, request, sign, signedParser, verifier } from "../helpers";

const CHROME_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const LANDING = "https://shop.example.de/produkt/espresso-bohnen/?fbclid=IwZXh0bgNhZW0BMABhZGlkexample";

/** Parsed a minute after the sample order was paid (its `date_paid_gmt`), as WooCommerce sends it. */
const FIXTURE_NOW = Date.parse("2026-11-22T10:22:05Z");
const parse = signedParser(wooCommerceSource, SECRETS.woocommerce, sign.woocommerce, "order.updated", () => FIXTURE_NOW);
const order = (mutate?: (o: any) => void) => changed(fixtures.wooProcessing, mutate);

describe("WooCommerce: X-WC-Webhook-Signature", () => {
  const raw = JSON.stringify(fixtures.wooProcessing());
  const verify = verifier(wooCommerceSource, SECRETS.woocommerce);
  itChecksBodyHmac(wooCommerceSource, SECRETS.woocommerce, sign.woocommerce, raw, {
    otherSecret: "another-shop-secret",
    header: "x-wc-webhook-signature",
  });

  it("matches WordPress decoding an HTML-escaped secret before signing", async () => {
    expect(wpSpecialcharsDecode("a&amp;b&lt;c&#039;d&quot;&amp;lt;")).toBe("a&b<c'd\"&lt;");
    const headers = await sign.woocommerce(raw, { secret: "p&w<rd" });
    expect(await verify(raw, headers, "p&amp;w&lt;rd")).toBe(true);
    expect(await verify(raw, headers, "p&w<rd")).toBe(true);
  });
});

describe("WooCommerce: the unsigned ping on webhook creation", () => {
  it("is acknowledged, and only in its exact form", () => {
    const ack = (body: string, headers: Record<string, string> = { "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)" }) =>
      wooCommerceSource.acknowledge?.(request(body, headers));
    expect(ack("webhook_id=14")).toEqual({ reason: "ping" });
    expect(ack("webhook_id=14\n")).toEqual({ reason: "ping" });
    expect(ack("webhook_id=14", { "x-wc-webhook-signature": "abc" })).toBeUndefined();
    expect(ack("webhook_id=14&status=processing")).toBeUndefined();
    expect(ack(JSON.stringify(fixtures.wooProcessing()))).toBeUndefined();
  });
});

describe("WooCommerce: order → ConversionEvent", () => {
  it("maps an order reaching processing, every field", async () => {
    expect(await parse(fixtures.wooProcessing())).toEqual({
      kind: "conversion",
      event: {
        tenantId: "t-unit",
        sourceId: "src",
        dedupKey: "7291",
        deliveryId: "2f0b9c41d8e7a6b5c4d3e2f1a0b9c8d7",
        orderId: "7291",
        eventName: "Purchase",
        occurredAt: Date.UTC(2026, 10, 22, 10, 20, 41),
        value: 64.8,
        currency: "EUR",
        items: [
          { id: "ESP-1KG", quantity: 2, price: 21.008403 },
          { id: "93", quantity: 1, price: 9.495798 },
        ],
        customer: {
          email: "lena.mueller@example.de",
          phone: "030 1234567",
          firstName: "Lena",
          lastName: "Müller",
          city: "Berlin",
          state: "BE",
          zip: "10178",
          country: "DE",
          externalId: "152",
        },
        clickIds: { fbp: "fb.1.1795300000000.987654321", gclid: "Cj0KCQwooExampleGclid", fbclid: "IwZXh0bgNhZW0BMABhZGlkexample" },
        client: { ip: "192.0.2.77", userAgent: CHROME_UA, pageUrl: LANDING },
        consent: { meta: "granted", gcm: { ad_user_data: "granted" } },
        joinKey: "sj_7e6d5c4b3a29",
      },
    });
  });

  it("counts order.created too, and a completed order", async () => {
    expect((await parse(fixtures.wooProcessing(), {}, "order.created")).kind).toBe("conversion");
    expect((await parse(order((o) => (o.status = "completed")))).kind).toBe("conversion");
  });

  it("ignores unpaid statuses and other topics, with reasons", async () => {
    expect(await parse(order((o) => (o.status = "pending")))).toEqual({ kind: "ignored", reason: "status:pending" });
    expect(
      await parse(
        order((o) => (o.status = "on-hold")),
        {},
        "order.created",
      ),
    ).toEqual({ kind: "ignored", reason: "status:on-hold" });
    expect(
      await parse(
        order((o) => {
          o.status = "cancelled";
          o.date_paid_gmt = null;
        }),
      ),
    ).toEqual({ kind: "ignored", reason: "cancelled_unpaid" });
    expect(await parse(fixtures.wooProcessing(), {}, "order.deleted")).toEqual({ kind: "ignored", reason: "topic:order.deleted" });
    expect(await parse(fixtures.wooProcessing(), {}, "product.updated")).toEqual({ kind: "ignored", reason: "topic:product.updated" });
  });

  it("reads an order moving to refunded, or a paid order to cancelled, as a full adjustment at date_modified_gmt", async () => {
    for (const [status, kind] of [
      ["refunded", "refund"],
      ["cancelled", "cancellation"],
    ]) {
      expect(await parse(order((o) => (o.status = status)))).toMatchObject({
        kind: "adjustment",
        adjustment: {
          orderKey: "7291",
          orderId: "7291",
          adjustmentKey: `status:${status}`,
          kind,
          full: true,
          occurredAt: Date.parse("2026-11-22T10:21:05Z"),
        },
      });
    }
  });

  it("ignores an update of an order paid more than 24 hours ago (paid_before_window); without date_paid_gmt the status decides", async () => {
    const dayAndMinute = 24 * 3600_000 + 60_000;
    const late = signedParser(wooCommerceSource, SECRETS.woocommerce, sign.woocommerce, "order.updated", () => FIXTURE_NOW + dayAndMinute);
    expect(await late(order((o) => (o.status = "completed")))).toEqual({ kind: "ignored", reason: "paid_before_window" });
    expect((await late(order((o) => (o.date_paid_gmt = null)))).kind).toBe("conversion");
    const inWindow = signedParser(
      wooCommerceSource,
      SECRETS.woocommerce,
      sign.woocommerce,
      "order.updated",
      () => FIXTURE_NOW + 23 * 3600_000,
    );
    expect((await inWindow(order((o) => (o.status = "completed")))).kind).toBe("conversion");
  });

  it("honours configured paid statuses and join-key meta key", async () => {
    const result = await parse(
      order((o) => {
        o.status = "paid-deposit";
        o.meta_data.push({ id: 1, key: "checkout_ref", value: "ref-9" });
      }),
      { paidStatuses: ["paid-deposit"], joinKeyMetaKey: "checkout_ref" },
    );
    expect(result.kind === "conversion" && result.event.joinKey).toBe("ref-9");
  });

  it("leaves out a guest's customer id and a missing attribution", async () => {
    const result = await parse(
      order((o) => {
        o.customer_id = 0;
        o.meta_data = [];
        o.customer_user_agent = "";
      }),
    );
    expect(result.kind === "conversion" && result.event).toMatchObject({ clickIds: {}, client: { ip: "192.0.2.77" }, joinKey: undefined });
    expect(result.kind === "conversion" && result.event.customer.externalId).toBeUndefined();
    expect(result.kind === "conversion" && result.event.client.pageUrl).toBeUndefined();
  });

  it("answers 400 for malformed or incomplete orders", async () => {
    for (const bad of [
      order((o) => delete o.total),
      order((o) => delete o.id),
      order((o) => delete o.date_created_gmt),
      order((o) => (o.date_created_gmt = "gestern")),
      order((o) => (o.currency = "")),
    ]) {
      await expect(parse(bad)).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.status === 400);
    }
  });
});
