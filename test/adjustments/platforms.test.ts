import { describe, expect, it } from "vitest";
import { googleRpcError } from "../../sandbox/google.mjs";
import stripeRefunded from "../fixtures/stripe-charge-refunded.json";
import shopifyRefundCreate from "../fixtures/shopify-refund-create.json";
import { useMsw } from "../helpers/msw";
import { runAlarm, sendBeacon } from "../helpers/relay";
import { SECRETS, fixtures, postHook, sign } from "../sources/helpers";
import { advance, createAdjustmentWorld, deliverAndSettle, deliveryTo, expectNoIdentifiers, now, useAdjustmentClock } from "./helpers";

useMsw();
useAdjustmentClock();

/*
 * Each platform's refund or cancellation end to end, through the Worker and the tenant's Durable
 * Object, against the sandbox's Google emulators and a Meta stand-in. Payload shapes:
 * Shopify refunds/create https://shopify.dev/docs/api/webhooks/latest?reference=toml#list-refunds/create
 * (fixture test/fixtures/shopify-refund-create.json) and orders/cancelled (the order JSON with
 * `cancelled_at`); Stripe charge.refunded https://docs.stripe.com/api/events/types#event_types-charge.refunded
 * with a Charge (https://docs.stripe.com/api/charges/object); WooCommerce `order.updated` with the
 * REST order (https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties) at status
 * `refunded`; ROLLER's booking envelope with `eventType: "Cancelled"`.
 */

const iso = (agoMs: number) => new Date(now() - agoMs).toISOString();
function shopifyOrder() {
  const order = fixtures.shopifyPaid();
  order.created_at = order.processed_at = iso(600_000);
  order.note_attributes = [
    ...(order.note_attributes ?? []),
    { name: "_sluice_consent", value: JSON.stringify({ meta: "granted", gcm: { ad_user_data: "granted", ad_storage: "granted" } }) },
  ];
  return order;
}

/** A Shopify tenant whose order (paid ten minutes ago, with consent) was delivered. */
async function shopifyOrderDelivered(id: string) {
  const world = await createAdjustmentWorld(id, [["hook", { type: "shopify", secret: SECRETS.shopify }]]);
  const order = shopifyOrder();
  const paid = JSON.stringify(order);
  const created = await postHook(id, paid, await sign.shopify(paid));
  expect(created.status).toBe(202);
  await deliverAndSettle(id);
  return { world, order, created };
}

/** Shopify's refunds/create for that order, a minute ago (`mutate` changes the refund), as sent. */
function shopifyRefund(mutate: (refund: any) => void = () => {}): string {
  const refund = structuredClone(shopifyRefundCreate) as any;
  refund.created_at = refund.processed_at = iso(60_000);
  mutate(refund);
  return JSON.stringify(refund);
}

/** A Stripe tenant whose Checkout Session (created ten minutes ago) was delivered. */
async function stripeSessionDelivered(id: string) {
  const world = await createAdjustmentWorld(id, [["hook", { type: "stripe", secret: SECRETS.stripe }]]);
  const session = fixtures.stripeCompleted();
  session.created = Math.floor((now() - 600_000) / 1000);
  const raw = JSON.stringify(session);
  const created = await postHook(id, raw, await sign.stripe(raw));
  expect(created.status).toBe(202);
  await deliverAndSettle(id);
  return { world, created };
}

/** Stripe's charge.refunded for that session, thirty seconds ago (`mutate` changes the Charge), posted to the tenant. */
async function postStripeRefund(id: string, mutate: (charge: any) => void = () => {}) {
  const refund = structuredClone(stripeRefunded) as any;
  refund.created = Math.floor((now() - 30_000) / 1000);
  mutate(refund.data.object);
  const raw = JSON.stringify(refund);
  return postHook(id, raw, await sign.stripe(raw));
}

describe("Shopify: an order paid, then refunded in part and in full", () => {
  it("refunds/create restates the order's value, orders/cancelled retracts it; Meta receives nothing for either", async () => {
    const id = "adj-shopify";
    const { world, order, created } = await shopifyOrderDelivered(id);
    expect(world.meta).toHaveLength(1);
    expect(world.google.callsTo("google-ads")[0]!.body.conversions[0]).toMatchObject({ orderId: "5893014978826", conversionValue: 112.47 });

    // A partial refund: 49.50 of 112.47 given back.
    const refundRaw = shopifyRefund();
    const partial = await postHook(id, refundRaw, await sign.shopify(refundRaw, { topic: "refunds/create", webhookId: "wh-refund-1" }));
    expect(partial.status).toBe(202);
    // Shopify's retry of the same refund is recognised.
    const again = await postHook(id, refundRaw, await sign.shopify(refundRaw, { topic: "refunds/create", webhookId: "wh-refund-1" }));
    expect(again.json).toMatchObject({ status: "duplicate", id: partial.json.id });
    await runAlarm(id);

    const [restated] = world.adjustmentUploads();
    expect(restated!.body.conversionAdjustments).toEqual([
      {
        conversionAction: "customers/1234567890/conversionActions/987654321",
        adjustmentType: "RESTATEMENT",
        adjustmentDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/),
        orderId: "5893014978826",
        restatementValue: { adjustedValue: 62.97, currencyCode: "USD" },
      },
    ]);
    expect(restated!.response.partialFailureError).toBeUndefined();
    expect(world.dmIngests().at(-1)!.body.events).toEqual([
      { transactionId: "5893014978826", eventTimestamp: expect.any(String), conversionValue: 62.97, currency: "USD", eventSource: "WEB" },
    ]);

    // Then the order is cancelled: a retraction.
    advance(120_000);
    const cancelled = { ...order, cancelled_at: iso(1_000), cancel_reason: "customer" };
    const cancelRaw = JSON.stringify(cancelled);
    const cancel = await postHook(id, cancelRaw, await sign.shopify(cancelRaw, { topic: "orders/cancelled", webhookId: "wh-cancel-1" }));
    expect(cancel.status).toBe(202);
    await runAlarm(id);
    advance(61_000);
    await runAlarm(id);
    const rows = world.adjustmentUploads().flatMap((c) => c.body.conversionAdjustments);
    expect(rows.map((r: any) => r.adjustmentType)).toEqual(["RESTATEMENT", "RETRACTION"]);
    expect(rows[1]).not.toHaveProperty("restatementValue");
    expect(world.dmIngests().at(-1)!.body.events[0]).toMatchObject({ transactionId: "5893014978826", conversionValue: 0 });

    expect(world.meta).toHaveLength(1);
    const detail = await world.eventDetail(cancel.json.id);
    expect(detail).toMatchObject({ orderId: "5893014978826", kind: "adjustment", adjustment: { type: "cancellation", full: true } });
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "delivered" });
    expect(deliveryTo(detail, "meta")).toMatchObject({ status: "not_supported", reason: "not_supported" });
    const original = await world.eventDetail(created.json.id);
    expect(original.adjustments.map((a: any) => a.id)).toEqual([partial.json.id, cancel.json.id]);
    expectNoIdentifiers(
      [...world.adjustmentUploads(), ...world.dmIngests().slice(1)].map((c) => c.body),
      ["jane.doe@example.com", "203.0.113.42"],
    );
  });
});

describe("Shopify: an order paid, then refunded in full", () => {
  it("a refunds/create of the whole amount is a retraction", async () => {
    const id = "adj-shopify-full";
    const { world } = await shopifyOrderDelivered(id);
    const raw = shopifyRefund((refund) => (refund.transactions[0].amount = "112.47"));
    const res = await postHook(id, raw, await sign.shopify(raw, { topic: "refunds/create", webhookId: "wh-refund-full" }));
    expect(res.status).toBe(202);
    await runAlarm(id);
    const [upload] = world.adjustmentUploads();
    expect(upload!.body.conversionAdjustments).toEqual([
      expect.objectContaining({ adjustmentType: "RETRACTION", orderId: "5893014978826" }),
    ]);
    expect(upload!.body.conversionAdjustments[0]).not.toHaveProperty("restatementValue");
    expect(world.dmIngests().at(-1)!.body.events[0]).toMatchObject({ transactionId: "5893014978826", conversionValue: 0 });
    expect(world.meta).toHaveLength(1);
    expect(await world.eventDetail(res.json.id)).toMatchObject({ adjustment: { type: "refund", full: true, value: 0 } });
  });
});

describe("Stripe: charge.refunded", () => {
  it("finds the Checkout Session's order by its payment intent and retracts it", async () => {
    const id = "adj-stripe";
    const { world, created } = await stripeSessionDelivered(id);
    const orderId = "cs_live_a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0Tu1Vw2Xy3Za4Bc5De6Fg7Hi8";
    expect(world.google.callsTo("google-ads")[0]!.body.conversions[0]).toMatchObject({ orderId });

    const res = await postStripeRefund(id);
    expect(res.status).toBe(202);
    await runAlarm(id);

    const [upload] = world.adjustmentUploads();
    expect(upload!.body.conversionAdjustments).toEqual([expect.objectContaining({ adjustmentType: "RETRACTION", orderId })]);
    expect(upload!.response.partialFailureError).toBeUndefined();
    expect(world.dmIngests().at(-1)!.body.events[0]).toMatchObject({ transactionId: orderId, conversionValue: 0, currency: "JPY" });
    expect(world.meta).toHaveLength(1);
    expectNoIdentifiers([upload!.body, world.dmIngests().at(-1)!.body], ["kenji.tanaka@example.jp", "EAIaIQobChMIexample"]);
    const detail = await world.eventDetail(res.json.id);
    expect(detail).toMatchObject({ orderId, kind: "adjustment", adjustment: { full: true, originalEventId: created.json.id } });
  });

  it("a partial charge.refunded restates to the amount still charged", async () => {
    const id = "adj-stripe-part";
    const { world } = await stripeSessionDelivered(id);
    const res = await postStripeRefund(id, (charge) => Object.assign(charge, { amount_refunded: 95000, refunded: false }));
    expect(res.status).toBe(202);
    await runAlarm(id);
    expect(world.adjustmentUploads()[0]!.body.conversionAdjustments[0]).toMatchObject({
      adjustmentType: "RESTATEMENT",
      restatementValue: { adjustedValue: 400000, currencyCode: "JPY" },
    });
  });
});

describe("WooCommerce: an order moving to refunded", () => {
  it("retracts the order at Google and sends nothing to Meta", async () => {
    const id = "adj-woo";
    const world = await createAdjustmentWorld(id, [["hook", { type: "woocommerce", secret: SECRETS.woocommerce }]]);
    const order = fixtures.wooProcessing();
    order.date_created_gmt = order.date_paid_gmt = order.date_modified_gmt = iso(600_000).slice(0, 19);
    const raw = JSON.stringify(order);
    const created = await postHook(id, raw, await sign.woocommerce(raw, { topic: "order.created" }));
    expect(created.status).toBe(202);
    await deliverAndSettle(id);
    expect(world.google.callsTo("google-ads")[0]!.body.conversions[0]).toMatchObject({ orderId: "7291" });

    const refunded = {
      ...order,
      status: "refunded",
      date_modified_gmt: iso(10_000).slice(0, 19),
      refunds: [{ id: 7302, reason: "", total: `-${order.total}` }],
    };
    const refundRaw = JSON.stringify(refunded);
    const res = await postHook(id, refundRaw, await sign.woocommerce(refundRaw, { deliveryId: "d-refund" }));
    expect(res.status).toBe(202);
    await runAlarm(id);
    expect(world.adjustmentUploads()[0]!.body.conversionAdjustments).toEqual([
      expect.objectContaining({ adjustmentType: "RETRACTION", orderId: "7291" }),
    ]);
    expect(world.dmIngests().at(-1)!.body.events[0]).toMatchObject({ transactionId: "7291", conversionValue: 0 });
    expect(world.meta).toHaveLength(1);
    const detail = await world.eventDetail(res.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "delivered" });
    expect(deliveryTo(detail, "meta")).toMatchObject({ status: "not_supported" });
  });
});

describe("ROLLER: a booking cancelled while its conversion is still retrying", () => {
  it("is never sent: the retrying deliveries end suppressed (order_cancelled), and no adjustment goes out", async () => {
    const id = "adj-roller";
    const world = await createAdjustmentWorld(id, [["hook", { type: "roller", secret: SECRETS.roller, options: { currency: "AUD" } }]]);
    const envelope = fixtures.rollerCreated();
    envelope.data.booking.createdDate = iso(600_000);
    const joinKey = envelope.data.booking.externalId as string;
    // ROLLER carries no consent or click ids: the checkout's beacon does.
    const beacon = await sendBeacon(
      id,
      {
        joinKey,
        consent: { meta: "granted", gcm: { ad_user_data: "granted", ad_storage: "granted" } },
        clickIds: { gclid: "Cj0KCQiA_roller" },
        page: { url: "https://venue.example/checkout" },
      },
      { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" },
    );
    expect(beacon.status).toBe(204);
    const raw = JSON.stringify(envelope);
    const created = await postHook(id, raw, sign.roller());
    expect(created.status).toBe(202);

    // Every destination answers with a transient error: the conversion waits to be retried.
    world.google.override("google-ads", () => googleRpcError(503));
    world.google.override("google-dm", () => googleRpcError(503));
    world.meta.failNext = 1;
    await runAlarm(id);
    const retrying = await world.eventDetail(created.json.id);
    for (const d of retrying.deliveries) expect(d).toMatchObject({ status: "pending", attempts: 1 });

    const cancelled = { ...envelope, id: "c2d9e5b1-cancel", eventType: "Cancelled", eventDate: iso(1_000) };
    const cancelRaw = JSON.stringify(cancelled);
    const res = await postHook(id, cancelRaw, sign.roller());
    expect(res.status).toBe(202);
    // Past every retry the schedule had left within the event's 24 h: nothing is sent, ever.
    for (let i = 0; i < 3; i++) {
      advance(6 * 60 * 60 * 1000);
      await runAlarm(id);
    }
    const original = await world.eventDetail(created.json.id);
    for (const d of original.deliveries) expect(d).toMatchObject({ status: "suppressed", reason: "order_cancelled", attempts: 1 });
    const sent = world.google.calls.filter((c) => c.api !== "google-oauth");
    expect(sent.every((c) => c.status === 503)).toBe(true);
    expect(world.adjustmentUploads()).toHaveLength(0);
    const adjustment = await world.eventDetail(res.json.id);
    expect(adjustment).toMatchObject({ orderId: "RB240117", kind: "adjustment", adjustment: { type: "cancellation", full: true } });
    expect(deliveryTo(adjustment, "google")).toMatchObject({ status: "suppressed", reason: "order_cancelled" });
    expect(deliveryTo(adjustment, "meta")).toMatchObject({ status: "not_supported" });
  });
});

describe("Shopify: an order cancelled before it was ever paid", () => {
  it("is ignored: orders/paid never counted it, so there is no conversion to retract", async () => {
    const id = "adj-shopify-unpaid-cancel";
    const world = await createAdjustmentWorld(id, [["hook", { type: "shopify", secret: SECRETS.shopify }]]);
    for (const [i, status] of ["pending", "voided", "authorized", "expired"].entries()) {
      const cancelled = { ...shopifyOrder(), financial_status: status, cancelled_at: iso(1_000), cancel_reason: "customer" };
      const raw = JSON.stringify(cancelled);
      const res = await postHook(id, raw, await sign.shopify(raw, { topic: "orders/cancelled", webhookId: `wh-cancel-unpaid-${i}` }));
      expect([res.status, res.json]).toEqual([200, { status: "ignored", reason: "cancelled_unpaid" }]);
    }
    await runAlarm(id);
    expect(world.adjustmentUploads()).toEqual([]);
    expect(world.dmIngests()).toEqual([]);
    expect(world.meta).toHaveLength(0);
  });

  it("still retracts when the source counts orders/create, which counted the order unpaid", async () => {
    const id = "adj-shopify-created-cancel";
    const options = { topics: ["orders/create", "orders/paid"] };
    const world = await createAdjustmentWorld(id, [["hook", { type: "shopify", secret: SECRETS.shopify, options }]]);
    const order = { ...shopifyOrder(), financial_status: "pending" };
    const createdRaw = JSON.stringify(order);
    const created = await postHook(id, createdRaw, await sign.shopify(createdRaw, { topic: "orders/create", webhookId: "wh-create" }));
    expect(created.status).toBe(202);
    await deliverAndSettle(id);
    const cancelRaw = JSON.stringify({ ...order, financial_status: "voided", cancelled_at: iso(1_000) });
    const cancel = await postHook(id, cancelRaw, await sign.shopify(cancelRaw, { topic: "orders/cancelled", webhookId: "wh-cancel" }));
    expect(cancel.status).toBe(202);
    await runAlarm(id);
    expect(world.adjustmentUploads().flatMap((c) => c.body.conversionAdjustments)).toEqual([
      expect.objectContaining({ adjustmentType: "RETRACTION", orderId: "5893014978826" }),
    ]);
  });
});
