import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { clock } from "../../src/platform/clock";
import { server, useMsw } from "../helpers/msw";
import { META_DELIVERED_FIRST_TRY, admin, joinTokenFor } from "../helpers/relay";
import {
  SECRETS,
  createSourceTenant,
  eventDetail,
  fixtures,
  oneByteChanged,
  postHook,
  settledDelivery,
  sign,
  storedRows,
  type SourceTenant,
} from "./helpers";

useMsw();

/**
 * Through the Worker (`exports.default.fetch`): each platform's webhook against a tenant made via
 * the Admin API, the TenantRelay Durable Object, and a Meta Conversions API stand-in (MSW).
 *
 * Consent: platform webhooks carry none of their own. Shopify, Stripe and WooCommerce payloads
 * can carry Sluice's consent object (README, "Consent") in a field the checkout's script fills (`_sluice_consent`
 * note attribute / `sluice_consent` metadata / `_sluice_consent` order meta); without it the
 * delivery is blocked `consent_missing`. ROLLER's consent can only come from the browser beacon
 * matched by the join key.
 */

interface MetaCall {
  url: string;
  body: any;
}

function metaStandIn(): MetaCall[] {
  const calls: MetaCall[] = [];
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const body = (await request.json()) as any;
      calls.push({ url: request.url, body });
      return HttpResponse.json({ events_received: body.data.length, messages: [], fbtrace_id: "AbCdEf" });
    }),
  );
  return calls;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const recentIso = (agoMs = 120_000) => new Date(clock.now() - agoMs).toISOString();

/**
 * The sample payloads, timed two minutes before the relay's clock: the fixtures' own dates would
 * fall out of the accepted range (the last 90 days) as the calendar moves on.
 */
const recent = {
  shopifyPaid() {
    const order = fixtures.shopifyPaid();
    order.created_at = order.processed_at = recentIso();
    return order;
  },
  stripeCompleted() {
    const event = fixtures.stripeCompleted();
    event.created = Math.floor((clock.now() - 120_000) / 1000);
    return event;
  },
  wooProcessing() {
    const order = fixtures.wooProcessing();
    order.date_created_gmt = order.date_paid_gmt = recentIso().slice(0, 19);
    return order;
  },
  rollerCreated() {
    const envelope = fixtures.rollerCreated();
    envelope.data.booking.createdDate = recentIso();
    return envelope;
  },
};
let counter = 0;
const tenantId = (prefix: string) => `t-${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

interface Webhook {
  raw: string;
  headers: Record<string, string>;
}

/** What the shared acceptance tests need to know about one platform. */
interface Platform {
  tenant: Omit<SourceTenant, "id">;
  /**
   * A conversion webhook, timed a couple of minutes ago. `consent: false` strips the consent
   * field, `joinKey: false` the join key (an event with a join key may wait for its beacon).
   */
  conversion(opts?: { consent?: boolean; joinKey?: boolean; deliveryId?: string }): Promise<Webhook>;
  /** The same webhook signed with another secret. */
  wrongSecret(): Promise<Webhook>;
  signatureHeader: string;
  /** ROLLER authenticates with a shared key, not a MAC over the body: a changed body cannot be told. */
  bodySigned: boolean;
  nonConversion(): Promise<Webhook & { reason: string }>;
  malformed(): Promise<Webhook>;
  orderId: string;
  email: string;
  rawValues: string[];
}

const shopify: Platform = {
  tenant: { type: "shopify", secret: SECRETS.shopify },
  async conversion({ consent = true, joinKey = true, deliveryId } = {}) {
    const order = recent.shopifyPaid();
    if (!joinKey) {
      delete order.checkout_token;
      delete order.cart_token;
    }
    if (consent) order.note_attributes.push({ name: "_sluice_consent", value: '{"meta":"granted"}' });
    const raw = JSON.stringify(order);
    return { raw, headers: await sign.shopify(raw, deliveryId ? { webhookId: deliveryId } : {}) };
  },
  async wrongSecret() {
    const raw = JSON.stringify(recent.shopifyPaid());
    return { raw, headers: await sign.shopify(raw, { secret: "shpss_not_this_apps_secret" }) };
  },
  signatureHeader: "x-shopify-hmac-sha256",
  bodySigned: true,
  async nonConversion() {
    const order = recent.shopifyPaid();
    order.test = true;
    const raw = JSON.stringify(order);
    return { raw, headers: await sign.shopify(raw), reason: "test_order" };
  },
  async malformed() {
    const raw = JSON.stringify({ ...recent.shopifyPaid(), total_price: "a lot" });
    return { raw, headers: await sign.shopify(raw) };
  },
  orderId: "5893014978826",
  email: "jane.doe@example.com",
  rawValues: ["jane.doe@example.com", "415-555-0134", "San Francisco", "94105", "Jane"],
};

const stripe: Platform = {
  tenant: { type: "stripe", secret: SECRETS.stripe },
  async conversion({ consent = true, joinKey = true, deliveryId } = {}) {
    const event = recent.stripeCompleted();
    if (!joinKey) delete event.data.object.client_reference_id;
    if (deliveryId) event.id = deliveryId;
    if (!consent) delete event.data.object.metadata.sluice_consent;
    const raw = JSON.stringify(event);
    return { raw, headers: await sign.stripe(raw) };
  },
  async wrongSecret() {
    const raw = JSON.stringify(recent.stripeCompleted());
    return { raw, headers: await sign.stripe(raw, { secret: "whsec_of_another_endpoint" }) };
  },
  signatureHeader: "stripe-signature",
  bodySigned: true,
  async nonConversion() {
    const event = recent.stripeCompleted();
    event.data.object.payment_status = "unpaid";
    const raw = JSON.stringify(event);
    return { raw, headers: await sign.stripe(raw), reason: "payment_status:unpaid" };
  },
  async malformed() {
    const event = recent.stripeCompleted();
    delete event.data.object.currency;
    const raw = JSON.stringify(event);
    return { raw, headers: await sign.stripe(raw) };
  },
  orderId: "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8",
  email: "kenji.tanaka@example.jp",
  rawValues: ["kenji.tanaka@example.jp", "1234-5678", "Shibuya", "150-0001", "Kenji"],
};

const woocommerce: Platform = {
  tenant: { type: "woocommerce", secret: SECRETS.woocommerce },
  async conversion({ consent = true, joinKey = true, deliveryId } = {}) {
    const order = recent.wooProcessing();
    const drop = [...(consent ? [] : ["_sluice_consent"]), ...(joinKey ? [] : ["_sluice_join_key"])];
    order.meta_data = order.meta_data.filter((m: { key: string }) => !drop.includes(m.key));
    const raw = JSON.stringify(order);
    return { raw, headers: await sign.woocommerce(raw, deliveryId ? { deliveryId } : {}) };
  },
  async wrongSecret() {
    const raw = JSON.stringify(recent.wooProcessing());
    return { raw, headers: await sign.woocommerce(raw, { secret: "ck_not_the_secret" }) };
  },
  signatureHeader: "x-wc-webhook-signature",
  bodySigned: true,
  async nonConversion() {
    const raw = JSON.stringify({ ...recent.wooProcessing(), status: "pending" });
    return { raw, headers: await sign.woocommerce(raw, { topic: "order.created" }), reason: "status:pending" };
  },
  async malformed() {
    const raw = JSON.stringify({ ...recent.wooProcessing(), date_created_gmt: null });
    return { raw, headers: await sign.woocommerce(raw) };
  },
  orderId: "7291",
  email: "lena.mueller@example.de",
  rawValues: ["lena.mueller@example.de", "1234567", "Berlin", "10178", "Müller"],
};

const roller: Platform = {
  tenant: { type: "roller", secret: SECRETS.roller, options: { currency: "AUD" } },
  async conversion({ joinKey = true, deliveryId } = {}) {
    const envelope = recent.rollerCreated();
    if (!joinKey) delete envelope.data.booking.externalId;
    if (deliveryId) envelope.id = deliveryId;
    return { raw: JSON.stringify(envelope), headers: sign.roller() };
  },
  async wrongSecret() {
    return { raw: JSON.stringify(recent.rollerCreated()), headers: sign.roller("roller-key-of-some-other-subscription-000") };
  },
  signatureHeader: "x-api-key",
  bodySigned: false,
  async nonConversion() {
    return {
      raw: JSON.stringify({ ...recent.rollerCreated(), eventType: "Deleted" }),
      headers: sign.roller(),
      reason: "booking_deleted",
    };
  },
  async malformed() {
    const envelope = recent.rollerCreated();
    delete envelope.data.booking.uniqueId;
    return { raw: JSON.stringify(envelope), headers: sign.roller() };
  },
  orderId: "RB240117",
  email: "mary.obrien@example.com",
  rawValues: ["Mary.OBrien@example.com", "345 678", "Fitzroy", "3065", "O'Brien"],
};

const PLATFORMS = { shopify, stripe, woocommerce, roller };

describe.each(Object.entries(PLATFORMS))("%s through the Worker", (name, p) => {
  const newTenant = async (extra: Partial<SourceTenant> = {}) => {
    const id = tenantId(name);
    await createSourceTenant({ id, ...p.tenant, ...extra });
    return id;
  };

  it(`401s a wrong secret, ${p.bodySigned ? "a body changed by one byte, " : ""}a missing header, and stores nothing`, async () => {
    const id = await newTenant();
    const good = await p.conversion();
    const wrong = await p.wrongSecret();
    const { [p.signatureHeader]: _dropped, ...unsigned } = good.headers;
    const attempts = [await postHook(id, wrong.raw, wrong.headers), await postHook(id, good.raw, unsigned)];
    if (p.bodySigned) attempts.push(await postHook(id, oneByteChanged(good.raw), good.headers));
    for (const res of attempts) {
      expect(res).toEqual({ status: 401, json: { error: { code: "invalid_signature", message: expect.any(String) } } });
    }
    expect(await storedRows(id)).toEqual({ events: [], deliveries: [] });
  });

  it("answers a redelivery with 200 duplicate and the same id", async () => {
    const id = await newTenant();
    const first = await p.conversion({ consent: false, deliveryId: "delivery-1" });
    const again = await p.conversion({ consent: false, deliveryId: "delivery-2" });
    const accepted = await postHook(id, first.raw, first.headers);
    expect(accepted).toEqual({ status: 202, json: { status: "accepted", id: expect.stringMatching(/^evt_/) } });
    expect(await postHook(id, again.raw, again.headers)).toEqual({ status: 200, json: { status: "duplicate", id: accepted.json.id } });
    expect((await storedRows(id)).events).toHaveLength(1);
  });

  it("answers a non-conversion with 200 ignored and a reason, storing nothing", async () => {
    const id = await newTenant();
    const hook = await p.nonConversion();
    expect(await postHook(id, hook.raw, hook.headers)).toEqual({ status: 200, json: { status: "ignored", reason: hook.reason } });
    expect((await storedRows(id)).events).toEqual([]);
  });

  it("answers a malformed payload behind a valid signature with 400, never a 5xx", async () => {
    const id = await newTenant();
    const hook = await p.malformed();
    const res = await postHook(id, hook.raw, hook.headers);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect((await storedRows(id)).events).toEqual([]);
  });

  it("stores only hashed identifiers", async () => {
    const id = await newTenant();
    const hook = await p.conversion({ consent: false });
    expect((await postHook(id, hook.raw, hook.headers)).status).toBe(202);
    const stored = JSON.stringify(await storedRows(id));
    for (const raw of p.rawValues) expect(stored).not.toContain(raw);
    expect(stored).toContain(await sha256(p.email));
  });
});

describe.each(Object.entries({ shopify, stripe, woocommerce }))("%s end to end", (name, p) => {
  it("reaches the Meta stand-in when the payload carries consent", async () => {
    const id = tenantId(`${name}-e2e`);
    await createSourceTenant({ id, ...p.tenant });
    const calls = metaStandIn();
    const hook = await p.conversion();
    const res = await postHook(id, hook.raw, hook.headers);
    expect(res.status).toBe(202);

    expect(await settledDelivery(id, res.json.id)).toEqual(META_DELIVERED_FIRST_TRY);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://meta.test/v25.0/1234567890/events");
    const [sent] = calls[0]!.body.data;
    expect(sent).toMatchObject({
      event_name: "Purchase",
      event_id: p.orderId,
      action_source: "website",
      event_source_url: expect.stringMatching(/^https:\/\//),
      user_data: {
        em: [await sha256(p.email)],
        client_ip_address: expect.any(String),
        client_user_agent: expect.stringMatching(/^Mozilla\/5\.0/),
      },
      custom_data: { order_id: p.orderId, currency: expect.stringMatching(/^[A-Z]{3}$/), value: expect.any(Number) },
    });
    expect(Math.abs(sent.event_time - (clock.now() / 1000 - 120))).toBeLessThan(30);
  });

  it("blocks the delivery with consent_missing when the payload carries none (and no join key to wait on)", async () => {
    const id = tenantId(`${name}-noconsent`);
    await createSourceTenant({ id, ...p.tenant });
    const calls = metaStandIn();
    const hook = await p.conversion({ consent: false, joinKey: false });
    const res = await postHook(id, hook.raw, hook.headers);
    expect(res.status).toBe(202);
    expect((await eventDetail(id, res.json.id)).deliveries).toEqual([
      { destinationId: "meta", type: "meta", decision: "blocked", reason: "consent_missing", status: "blocked", attempts: 0 },
    ]);
    expect(calls).toHaveLength(0);
  });
});

describe("platform specifics through the Worker", () => {
  it("Shopify: sends the exact values, click ids and page URL to Meta; a CMP category mapped by the tenant grants it", async () => {
    const id = tenantId("shopify-category");
    await createSourceTenant({ id, ...shopify.tenant, consentPolicy: { categoryMap: { marketing: ["meta"] } } });
    const calls = metaStandIn();
    const order = recent.shopifyPaid();
    order.note_attributes.push({ name: "_sluice_consent", value: '{"categories":{"marketing":true}}' });
    const raw = JSON.stringify(order);
    const res = await postHook(id, raw, await sign.shopify(raw));
    expect(await settledDelivery(id, res.json.id)).toMatchObject({ decision: "send", reason: "category_granted", status: "delivered" });
    const [sent] = calls[0]!.body.data;
    expect(sent.user_data).toMatchObject({
      client_ip_address: "203.0.113.42",
      fbc: "fb.1.1763802000000.IwAR2xYexample",
      fbp: "fb.1.1763800000000.1234567890",
    });
    expect(sent.event_source_url).toMatch(/^https:\/\/northwind-outfitters\.myshopify\.com\/products\/trail-runner-2\?/);
    expect(sent.custom_data).toEqual({
      currency: "USD",
      value: 112.47,
      order_id: "5893014978826",
      contents: [
        { id: "TR2-MOSS-9", quantity: 1, item_price: 89 },
        { id: "44567890200001", quantity: 2, item_price: 5 },
      ],
      content_ids: ["TR2-MOSS-9", "44567890200001"],
      content_type: "product",
      num_items: 3,
    });
  });

  it("Shopify: orders/create then orders/paid of one order, both configured, is one conversion", async () => {
    const id = tenantId("shopify-topics");
    await createSourceTenant({ id, ...shopify.tenant, options: { topics: ["orders/create", "orders/paid"] } });
    const raw = JSON.stringify(recent.shopifyPaid());
    const created = await postHook(id, raw, await sign.shopify(raw, { topic: "orders/create", webhookId: "w-1" }));
    const paid = await postHook(id, raw, await sign.shopify(raw, { topic: "orders/paid", webhookId: "w-2" }));
    expect([created.status, paid.json]).toEqual([202, { status: "duplicate", id: created.json.id }]);
  });

  it("Stripe: a stale signature timestamp is 401 and stores nothing", async () => {
    const id = tenantId("stripe-stale");
    await createSourceTenant({ id, ...stripe.tenant });
    const raw = JSON.stringify(recent.stripeCompleted());
    const res = await postHook(id, raw, await sign.stripe(raw, { timestamp: Math.floor(clock.now() / 1000) - 301 }));
    expect(res.status).toBe(401);
    expect((await storedRows(id)).events).toEqual([]);
  });

  it("Stripe: completed-unpaid is ignored, and the async success of that session is the conversion", async () => {
    const id = tenantId("stripe-async");
    await createSourceTenant({ id, ...stripe.tenant });
    const unpaid = recent.stripeCompleted();
    unpaid.data.object.payment_status = "unpaid";
    const rawUnpaid = JSON.stringify(unpaid);
    expect((await postHook(id, rawUnpaid, await sign.stripe(rawUnpaid))).json).toEqual({
      status: "ignored",
      reason: "payment_status:unpaid",
    });
    const succeeded = recent.stripeCompleted();
    Object.assign(succeeded, { id: "evt_async_1", type: "checkout.session.async_payment_succeeded" });
    delete succeeded.data.object.metadata.sluice_consent;
    const raw = JSON.stringify(succeeded);
    expect((await postHook(id, raw, await sign.stripe(raw))).status).toBe(202);
  });

  it("WooCommerce: the unsigned creation ping gets 200 and stores nothing; a forged one with a signature header does not", async () => {
    const id = tenantId("woo-ping");
    await createSourceTenant({ id, ...woocommerce.tenant });
    const ping = await postHook(id, "webhook_id=14", {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
    });
    expect(ping).toEqual({ status: 200, json: { status: "ignored", reason: "ping" } });
    const forged = await postHook(id, "webhook_id=14", { "x-wc-webhook-signature": "AAAA" });
    expect(forged.status).toBe(401);
    expect(await storedRows(id)).toEqual({ events: [], deliveries: [] });
  });

  it("WooCommerce: order.created pending, then order.updated processing, then completed: one conversion", async () => {
    const id = tenantId("woo-lifecycle");
    await createSourceTenant({ id, ...woocommerce.tenant });
    const send = async (status: string, topic: string) => {
      const order = recent.wooProcessing();
      // Without consent: nothing is sent to Meta, so no stand-in is needed.
      order.meta_data = order.meta_data.filter((m: { key: string }) => m.key !== "_sluice_consent");
      const raw = JSON.stringify({ ...order, status });
      return postHook(id, raw, await sign.woocommerce(raw, { topic }));
    };
    expect((await send("pending", "order.created")).json).toEqual({ status: "ignored", reason: "status:pending" });
    const processing = await send("processing", "order.updated");
    expect(processing.status).toBe(202);
    expect((await send("completed", "order.updated")).json).toEqual({ status: "duplicate", id: processing.json.id });
  });

  it("WooCommerce: an order paid days ago and completed now is not a new conversion (its dedup record is gone)", async () => {
    const id = tenantId("woo-completed-late");
    await createSourceTenant({ id, ...woocommerce.tenant });
    const order = recent.wooProcessing();
    order.meta_data = order.meta_data.filter((m: { key: string }) => m.key !== "_sluice_consent");
    const threeDaysAgo = recentIso(3 * 24 * 3600_000).slice(0, 19);
    const raw = JSON.stringify({ ...order, status: "completed", date_created_gmt: threeDaysAgo, date_paid_gmt: threeDaysAgo });
    expect(await postHook(id, raw, await sign.woocommerce(raw, { topic: "order.updated" }))).toEqual({
      status: 200,
      json: { status: "ignored", reason: "paid_before_window" },
    });
    expect((await storedRows(id)).events).toHaveLength(0);
  });

  it("ROLLER: Created then a paid Updated of one booking is one conversion; Basic auth works through the Worker", async () => {
    const id = tenantId("roller-once");
    await createSourceTenant({ id, ...roller.tenant });
    const envelope = recent.rollerCreated();
    const created = await postHook(id, JSON.stringify(envelope), sign.roller());
    const updated = { ...envelope, id: "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a", eventType: 2 };
    const basic = { "content-type": "application/json", authorization: `Basic ${btoa(`sluice:${SECRETS.roller}`)}` };
    expect(created.status).toBe(202);
    expect(await postHook(id, JSON.stringify(updated), basic)).toEqual({ status: 200, json: { status: "duplicate", id: created.json.id } });
  });

  it("ROLLER: a booking has no consent of its own, so without a join key for a beacon the delivery is blocked consent_missing", async () => {
    const id = tenantId("roller-noconsent");
    await createSourceTenant({ id, ...roller.tenant });
    const calls = metaStandIn();
    const hook = await roller.conversion({ joinKey: false });
    const res = await postHook(id, hook.raw, hook.headers);
    expect((await eventDetail(id, res.json.id)).deliveries[0]).toMatchObject({ decision: "blocked", reason: "consent_missing" });
    expect(calls).toHaveLength(0);
  });

  it("ROLLER end to end: the checkout beacon's consent and browser context, matched by the booking's externalId, reach Meta", async () => {
    const id = tenantId("roller-e2e");
    await createSourceTenant({ id, ...roller.tenant, allowedOrigins: ["https://tickets.example"] });
    const calls = metaStandIn();
    const beacon = await postBeacon(id, {
      joinKey: "sj_4f9a2c1e8b7d",
      consent: { meta: "granted" },
      clickIds: { fbclid: "IwAR0rollerBeacon" },
      page: { url: "https://tickets.example/checkout/complete" },
    });
    expect(beacon.status).toBe(204);
    const hook = await roller.conversion();
    const res = await postHook(id, hook.raw, hook.headers);
    expect(res.status).toBe(202);
    expect(await settledDelivery(id, res.json.id)).toMatchObject({ decision: "send", status: "delivered" });
    expect(calls).toHaveLength(1);
    const [sent] = calls[0]!.body.data;
    expect(sent).toMatchObject({
      event_id: "RB240117",
      event_source_url: "https://tickets.example/checkout/complete",
      user_data: {
        em: [await sha256(roller.email)],
        client_user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        fbc: expect.stringMatching(/^fb\.1\.\d+\.IwAR0rollerBeacon$/),
      },
      custom_data: { currency: "AUD", value: 89.5, order_id: "RB240117" },
    });
  });

  it("rejects source options that do not fit the type", async () => {
    const id = tenantId("options");
    await createSourceTenant({ id, ...shopify.tenant });
    const cases: Array<[unknown, RegExp]> = [
      [{ type: "roller", secret: SECRETS.roller }, /options\.currency/],
      [{ type: "roller", secret: SECRETS.roller, options: { currency: "euro" } }, /options\.currency: must be an ISO-4217 code/],
      [{ type: "roller", secret: SECRETS.roller, options: { currency: "EUR", authHeader: "bad header" } }, /options\.authHeader/],
      [{ type: "shopify", secret: SECRETS.shopify, options: { topics: ["orders/fulfilled"] } }, /options\.topics\.0/],
      [{ type: "shopify", secret: SECRETS.shopify, options: { allowTestOrders: "yes" } }, /options\.allowTestOrders/],
      [{ type: "stripe", secret: SECRETS.stripe, options: { allowTestEvents: 1 } }, /options\.allowTestEvents/],
      [{ type: "woocommerce", secret: SECRETS.woocommerce, options: { paidStatuses: [] } }, /options\.paidStatuses/],
    ];
    for (const [body, message] of cases) {
      const res = await admin("PUT", `/tenants/${id}/sources/other`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
    const fine = await admin("PUT", `/tenants/${id}/sources/other`, {
      type: "roller",
      secret: SECRETS.roller,
      options: { currency: "EUR" },
    });
    expect(fine.status).toBe(201);
  });
});

async function postBeacon(tenant: string, body: { joinKey: string; [field: string]: unknown }) {
  const { exports } = await import("cloudflare:workers");
  body = { ...body, joinToken: await joinTokenFor(tenant, body.joinKey) } as typeof body;
  const res = await exports.default.fetch(`http://sluice.test/v1/collect/${tenant}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: "https://tickets.example",
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    },
    body: JSON.stringify(body),
  });
  return { status: res.status };
}
