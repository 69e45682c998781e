import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { server } from "../helpers/msw";
import { useMsw } from "../helpers/msw";
import { admin, relayRows, runAlarm } from "../helpers/relay";
import { ADS_SETTINGS, DM_SETTINGS, dataManagerPut, googleAdsPut, googlePurchase } from "../google/helpers";
import {
  advance,
  consentedPurchase,
  createAdjustmentWorld,
  deliverAndSettle,
  deliveryTo,
  expectNoIdentifiers,
  sendStandard,
  standardRefund,
  useAdjustmentClock,
} from "./helpers";

useMsw();
useAdjustmentClock();

describe("standard source refunds", () => {
  it("a full refund of a delivered order: Ads RETRACTION, Data Manager value 0, Meta not_supported, no identifiers", async () => {
    const world = await createAdjustmentWorld("adj-full");
    const purchase = await sendStandard("adj-full", consentedPurchase("order-1"));
    expect(purchase.status).toBe(202);
    await deliverAndSettle("adj-full");
    expect(world.meta).toHaveLength(1);

    advance(60_000);
    const res = await sendStandard("adj-full", standardRefund("order-1"));
    expect(res.status).toBe(202);
    await runAlarm("adj-full");

    const adsCalls = world.adjustmentUploads();
    expect(adsCalls).toHaveLength(1);
    expect(adsCalls[0]!.body).toEqual({
      conversionAdjustments: [
        {
          conversionAction: "customers/1234567890/conversionActions/987654321",
          adjustmentType: "RETRACTION",
          adjustmentDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/),
          orderId: "order-1",
        },
      ],
      partialFailure: true,
      validateOnly: false,
    });
    expect(adsCalls[0]!.status).toBe(200);
    expect(adsCalls[0]!.response.partialFailureError).toBeUndefined();

    const dmCalls = world.dmIngests();
    expect(dmCalls).toHaveLength(2);
    expect(dmCalls[1]!.body.events).toEqual([
      { transactionId: "order-1", eventTimestamp: expect.stringMatching(/Z$/), conversionValue: 0, currency: "EUR", eventSource: "WEB" },
    ]);
    expect(dmCalls[1]!.status).toBe(200);
    // Meta got the purchase, nothing for the refund.
    expect(world.meta).toHaveLength(1);

    // Nothing identifying in any adjustment request.
    expectNoIdentifiers([adsCalls[0]!.body, dmCalls[1]!.body]);

    const detail = await world.eventDetail(res.json.id);
    expect(detail).toMatchObject({ orderId: "order-1", kind: "adjustment", adjustment: { type: "refund", full: true, value: 0 } });
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "delivered" });
    expect(deliveryTo(detail, "google-dm")).toMatchObject({ status: "processing" });
    expect(deliveryTo(detail, "meta")).toMatchObject({ status: "not_supported", reason: "not_supported" });

    // The original shows its adjustment; the list shows both under one order id.
    const original = await world.eventDetail(purchase.json.id);
    expect(original.adjustments).toEqual([expect.objectContaining({ id: res.json.id, full: true })]);
    // Its value now is the order's net; the value it came with stays visible.
    expect(original).toMatchObject({ value: 0, receivedValue: 49 });
    const list = await admin("GET", "/tenants/adj-full/events");
    expect(
      list.json.events
        .filter((e: any) => e.orderId === "order-1")
        .map((e: any) => e.kind)
        .sort(),
    ).toEqual(["adjustment", "conversion"]);

    // A redelivery of the refund is a duplicate.
    const again = await sendStandard(
      "adj-full",
      standardRefund("order-1", { occurredAt: JSON.parse(JSON.stringify(detail.adjustment.occurredAt)) }),
    );
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: "duplicate", id: res.json.id });

    const stats = await admin("GET", "/tenants/adj-full/stats");
    expect(stats.json.adjustments).toBe(1);
    expect(stats.json.destinations.google.adjustments.delivered).toBe(1);
    expect(stats.json.destinations.meta.adjustments.notSupported).toBe(1);
    expect(stats.json.destinations.google.delivered).toBe(1);
  });

  it("a partial refund restates the value: Ads RESTATEMENT with the new total, Data Manager the new value", async () => {
    const world = await createAdjustmentWorld("adj-part");
    await sendStandard("adj-part", googlePurchase("order-2"));
    await deliverAndSettle("adj-part");
    advance(60_000);
    const res = await sendStandard("adj-part", standardRefund("order-2", { value: 19, currency: "EUR" }));
    expect(res.status).toBe(202);
    await runAlarm("adj-part");

    const [ads] = world.adjustmentUploads();
    expect(ads!.body.conversionAdjustments).toEqual([
      expect.objectContaining({
        adjustmentType: "RESTATEMENT",
        orderId: "order-2",
        restatementValue: { adjustedValue: 30, currencyCode: "EUR" },
      }),
    ]);
    expect(ads!.response.results[0]).toMatchObject({ orderId: "order-2", adjustmentType: "RESTATEMENT" });
    const dm = world.dmIngests();
    expect(dm.at(-1)!.body.events[0]).toMatchObject({ transactionId: "order-2", conversionValue: 30 });
    const detail = await world.eventDetail(res.json.id);
    expect(detail.adjustment).toMatchObject({ full: false, value: 30 });

    // A second partial refund restates from the new total; one more of the rest retracts.
    advance(60_000);
    await sendStandard("adj-part", standardRefund("order-2", { value: 10 }));
    advance(60_000);
    await sendStandard("adj-part", standardRefund("order-2", { value: 20 }));
    await runAlarm("adj-part");
    // The second restatement of one order waits for a request of its own.
    advance(120_000);
    await runAlarm("adj-part");
    const rows = world.adjustmentUploads().flatMap((c) => c.body.conversionAdjustments);
    expect(rows.map((r: any) => [r.adjustmentType, r.restatementValue?.adjustedValue])).toEqual([
      ["RESTATEMENT", 30],
      ["RESTATEMENT", 20],
      ["RETRACTION", undefined],
    ]);
  });

  it("a full refund while the conversion is still queued suppresses it: nothing is ever sent", async () => {
    const world = await createAdjustmentWorld("adj-queued");
    const purchase = await sendStandard("adj-queued", consentedPurchase("order-3"));
    const res = await sendStandard("adj-queued", standardRefund("order-3"));
    expect(res.status).toBe(202);
    await runAlarm("adj-queued");
    advance(120_000);
    await runAlarm("adj-queued");

    expect(world.google.calls.filter((c) => c.api !== "google-oauth")).toHaveLength(0);
    expect(world.meta).toHaveLength(0);
    const original = await world.eventDetail(purchase.json.id);
    for (const d of original.deliveries) expect(d).toMatchObject({ status: "suppressed", reason: "order_cancelled" });
    const adjustment = await world.eventDetail(res.json.id);
    expect(deliveryTo(adjustment, "google")).toMatchObject({ status: "suppressed", reason: "order_cancelled" });
    expect(deliveryTo(adjustment, "meta")).toMatchObject({ status: "not_supported" });
  });

  it("a full refund that arrives while the conversion is on the wire: the conversion stands and the retraction follows it", async () => {
    const world = await createAdjustmentWorld("adj-race");
    const purchase = await sendStandard("adj-race", consentedPurchase("order-race"));
    // The refund reaches the relay while the Ads upload is in flight; the emulator then accepts it.
    let refundId: string | undefined;
    server.use(
      http.post(/^https:\/\/googleads\.test\/.*:uploadClickConversions$/, async () => {
        if (refundId === undefined) refundId = (await sendStandard("adj-race", standardRefund("order-race"))).json.id;
        return undefined;
      }),
    );
    await runAlarm("adj-race");
    expect(refundId).toBeDefined();
    expect(deliveryTo(await world.eventDetail(purchase.json.id), "google")).toMatchObject({ status: "delivered" });

    advance(120_000);
    await runAlarm("adj-race");
    const retractions = world
      .adjustmentUploads()
      .map((c) => (c.body as any).conversionAdjustments.map((a: any) => [a.orderId, a.adjustmentType]));
    expect(retractions).toEqual([[["order-race", "RETRACTION"]]]);
    const adjustment = await world.eventDetail(refundId!);
    expect(deliveryTo(adjustment, "google")).toMatchObject({ status: "delivered" });
    expect(deliveryTo(adjustment, "meta")).toMatchObject({ status: "not_supported" });
  });

  it("a partial refund that arrives while the conversion is on the wire: the restatement to the new value follows it", async () => {
    const world = await createAdjustmentWorld("adj-race-part");
    const purchase = await sendStandard("adj-race-part", consentedPurchase("order-rp"));
    let refundId: string | undefined;
    server.use(
      http.post(/^https:\/\/googleads\.test\/.*:uploadClickConversions$/, async () => {
        if (refundId === undefined) refundId = (await sendStandard("adj-race-part", standardRefund("order-rp", { value: 9 }))).json.id;
        return undefined;
      }),
    );
    await runAlarm("adj-race-part");
    expect(refundId).toBeDefined();
    const [upload] = world.google.callsTo("google-ads").filter((c) => c.url.endsWith(":uploadClickConversions"));
    expect(upload!.body.conversions[0]).toMatchObject({ orderId: "order-rp", conversionValue: 49 });
    expect(deliveryTo(await world.eventDetail(purchase.json.id), "google")).toMatchObject({ status: "delivered" });

    advance(120_000);
    await runAlarm("adj-race-part");
    const restatements = world.adjustmentUploads().map((c) => (c.body as any).conversionAdjustments);
    expect(restatements).toEqual([
      [
        expect.objectContaining({
          orderId: "order-rp",
          adjustmentType: "RESTATEMENT",
          restatementValue: expect.objectContaining({ adjustedValue: 40 }),
        }),
      ],
    ]);
    expect(deliveryTo(await world.eventDetail(refundId!), "google")).toMatchObject({ status: "delivered" });
  });

  it("a partial refund while queued rewrites the value the conversion is sent with", async () => {
    const world = await createAdjustmentWorld("adj-rewrite");
    await sendStandard("adj-rewrite", googlePurchase("order-4"));
    const res = await sendStandard("adj-rewrite", standardRefund("order-4", { value: 9 }));
    await runAlarm("adj-rewrite");
    const [upload] = world.google.callsTo("google-ads");
    expect(upload!.body.conversions[0]).toMatchObject({ orderId: "order-4", conversionValue: 40 });
    expect(world.adjustmentUploads()).toHaveLength(0);
    const adjustment = await world.eventDetail(res.json.id);
    expect(deliveryTo(adjustment, "google")).toMatchObject({ status: "blocked", reason: "applied_before_sent" });
  });

  it("once the original is purged, an adjustment goes only where its own consent allows", async () => {
    const world = await createAdjustmentWorld("adj-late");
    const blocked = await sendStandard("adj-late", standardRefund("order-gone-1", { value: 5, currency: "EUR" }));
    expect(blocked.status).toBe(202);
    const allowed = await sendStandard(
      "adj-late",
      standardRefund("order-gone-2", { consent: { gcm: { ad_user_data: "granted", ad_storage: "granted" } } }),
    );
    await runAlarm("adj-late");
    const first = await world.eventDetail(blocked.json.id);
    // A partial refund of an order no longer known has no new value to state.
    expect(deliveryTo(first, "google")).toMatchObject({ status: "blocked", reason: "net_value_unknown" });
    const second = await world.eventDetail(allowed.json.id);
    expect(deliveryTo(second, "meta")).toMatchObject({ status: "not_supported" });
    const rows = world.adjustmentUploads();
    expect(rows.map((c) => c.body.conversionAdjustments[0].orderId)).toEqual(["order-gone-2"]);
    // Google has no such conversion: its documented answer ends the delivery failed.
    expect(deliveryTo(second, "google")).toMatchObject({ status: "failed", lastError: "CONVERSION_NOT_FOUND" });
    // No identifier of the buyer is stored with an adjustment: its only hash is the order's own
    // subject key (what a withdrawal naming the order id finds it by).
    const stored = await relayRows("adj-late");
    for (const event of stored.events as Array<{ body: string }>) {
      expect(JSON.parse(event.body).subjectKeys).toEqual([expect.stringMatching(/^order:[0-9a-f]{64}$/)]);
      expect(event.body.replace(/"order:[0-9a-f]{64}"/, "")).not.toMatch(/[0-9a-f]{64}/);
    }
  });

  it("a cancelled or fully refunded order is never sent again: not by a replay of the event, nor of a destination", async () => {
    const world = await createAdjustmentWorld("adj-replay");
    // Delivered everywhere, then fully refunded: the retraction goes out.
    const delivered = await sendStandard("adj-replay", consentedPurchase("order-r1"));
    await deliverAndSettle("adj-replay");
    expect(world.meta).toHaveLength(1);
    advance(60_000);
    await sendStandard("adj-replay", standardRefund("order-r1"));
    await deliverAndSettle("adj-replay");
    const replay = await admin("POST", `/tenants/adj-replay/events/${delivered.json.id}/replay`);
    expect(replay.json).toMatchObject({ replayed: 0 });

    // Meta refuses the next order for good (an invalid parameter), then the order is cancelled:
    // fixing Meta and replaying its failures must not send the cancelled order.
    let metaRefuses = true;
    server.use(
      // Returning nothing hands the request on to the recorder.
      http.post("https://meta.test/:version/:pixelId/events", () =>
        metaRefuses
          ? HttpResponse.json({ error: { message: "Invalid parameter", type: "OAuthException", code: 100 } }, { status: 400 })
          : undefined,
      ),
    );
    const failed = await sendStandard("adj-replay", consentedPurchase("order-r2", { consent: { meta: "granted" } }));
    await deliverAndSettle("adj-replay");
    expect(deliveryTo(await world.eventDetail(failed.json.id), "meta")).toMatchObject({ status: "failed" });
    metaRefuses = false;
    advance(60_000);
    await sendStandard("adj-replay", standardRefund("order-r2"));
    const again = await admin("POST", "/tenants/adj-replay/destinations/meta/replay");
    expect(again.json).toMatchObject({ replayed: 0 });
    await deliverAndSettle("adj-replay");
    expect(world.meta).toHaveLength(1);
  });

  it("a refund of test traffic is not sent: Google recorded nothing to adjust", async () => {
    const world = await createAdjustmentWorld("adj-test");
    for (const [path, body] of [
      ["/destinations/google", googleAdsPut("adj-test", { ...ADS_SETTINGS, validateOnly: true })],
      ["/destinations/google-dm", dataManagerPut("adj-test", { ...DM_SETTINGS, validateOnly: true })],
    ] as const) {
      expect((await admin("PUT", `/tenants/adj-test${path}`, body)).status).toBeLessThan(300);
    }
    const purchase = await sendStandard("adj-test", consentedPurchase("order-t1"));
    await deliverAndSettle("adj-test");
    const original = await world.eventDetail(purchase.json.id);
    expect(deliveryTo(original, "google")).toMatchObject({ status: "validated" });
    expect(deliveryTo(original, "google-dm")).toMatchObject({ status: "validated" });

    advance(60_000);
    const refund = await sendStandard("adj-test", standardRefund("order-t1"));
    await deliverAndSettle("adj-test");
    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(1);
    const detail = await world.eventDetail(refund.json.id);
    for (const id of ["google", "google-dm"])
      expect(deliveryTo(detail, id)).toMatchObject({ status: "blocked", reason: "original_test_only" });
    const stats = await admin("GET", "/tenants/adj-test/stats");
    expect(JSON.stringify(stats.json)).not.toMatch(/"failed":[1-9]/);
  });

  it("a cancellation on the wire after a refund applied before the send: only the retraction follows", async () => {
    const world = await createAdjustmentWorld("adj-race-cancel");
    await sendStandard("adj-race-cancel", consentedPurchase("order-rc"));
    // Applied before the send: the order goes out at 40.
    await sendStandard("adj-race-cancel", standardRefund("order-rc", { value: 9 }));
    let cancelled = false;
    server.use(
      http.post(/^https:\/\/googleads\.test\/.*:uploadClickConversions$/, async () => {
        if (!cancelled) {
          cancelled = true;
          await sendStandard("adj-race-cancel", standardRefund("order-rc"));
        }
        return undefined;
      }),
    );
    await runAlarm("adj-race-cancel");
    for (let i = 0; i < 3; i++) {
      advance(120_000);
      await runAlarm("adj-race-cancel");
    }
    const adjustments = world.adjustmentUploads().flatMap((c) => (c.body as any).conversionAdjustments.map((a: any) => a.adjustmentType));
    expect(adjustments).toEqual(["RETRACTION"]);
  });

  it("refunds that came first and add up to the whole order cancel it: nothing is sent, and a replay sends nothing", async () => {
    const world = await createAdjustmentWorld("adj-sum");
    await sendStandard("adj-sum", standardRefund("order-s", { value: 20 }));
    await sendStandard("adj-sum", standardRefund("order-s", { value: 29 }));
    const purchase = await sendStandard("adj-sum", consentedPurchase("order-s"));
    await deliverAndSettle("adj-sum");
    expect(world.meta).toHaveLength(0);
    expect(world.google.callsTo("google-ads").filter((c) => c.url.endsWith(":uploadClickConversions"))).toHaveLength(0);
    const detail = await world.eventDetail(purchase.json.id);
    for (const d of detail.deliveries) expect(d).toMatchObject({ status: "suppressed", reason: "order_cancelled" });
    expect(detail).toMatchObject({ value: 0, receivedValue: 49 });
    expect((await admin("POST", `/tenants/adj-sum/events/${purchase.json.id}/replay`)).json).toMatchObject({ replayed: 0 });
  });

  it("a refusal under the checkout's join key does not hold back the retraction of an order sent before it", async () => {
    const world = await createAdjustmentWorld("adj-refuse");
    await sendStandard("adj-refuse", consentedPurchase("order-k1", { joinKey: "k-ret" }));
    await deliverAndSettle("adj-refuse");
    advance(60_000);
    world.google.override("google-ads", (req) =>
      req.path.endsWith(":uploadConversionAdjustments")
        ? { status: 503, body: { error: { code: 503, status: "UNAVAILABLE" } } }
        : undefined,
    );
    const cancel = await sendStandard("adj-refuse", standardRefund("order-k1", { joinKey: "k-ret" }));
    await runAlarm("adj-refuse");
    expect(world.adjustmentUploads().filter((c) => c.status === 200)).toHaveLength(0);
    // A later order under the same checkout, whose buyer refuses Google.
    await sendStandard(
      "adj-refuse",
      consentedPurchase("order-k2", { joinKey: "k-ret", consent: { gcm: { ad_user_data: "denied" }, meta: "granted" } }),
    );
    for (let i = 0; i < 3; i++) {
      advance(10 * 60_000);
      await runAlarm("adj-refuse");
    }
    expect(deliveryTo(await world.eventDetail(cancel.json.id), "google")).toMatchObject({ status: "delivered" });
    const retractions = world
      .adjustmentUploads()
      .filter((c) => c.status === 200)
      .flatMap((c) => (c.body as any).conversionAdjustments.map((a: any) => [a.orderId, a.adjustmentType]));
    expect(retractions).toEqual([["order-k1", "RETRACTION"]]);
  });
});
