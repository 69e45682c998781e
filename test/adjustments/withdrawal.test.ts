import { describe, expect, it } from "vitest";
import { useMsw } from "../helpers/msw";
import { admin, relayRows, runAlarm, sendBeacon, withdraw } from "../helpers/relay";
import {
  advance,
  consentedPurchase,
  createAdjustmentWorld,
  deliverAndSettle,
  deliveryTo,
  sendStandard,
  standardRefund,
  useAdjustmentClock,
} from "./helpers";

useMsw();
useAdjustmentClock();

/**
 * A refund or cancellation is about the buyer's order: once the buyer withdraws or is erased, it
 * is sent nowhere (Google Ads would get a RETRACTION naming the order, the Data Manager a
 * restatement of it), and erasure takes the order's stored refunds with it.
 */

/** Runs the alarm over the next few minutes: whatever is due is sent (and Data Manager statuses read). */
async function deliverAll(tenantId: string) {
  for (let i = 0; i < 3; i++) {
    await runAlarm(tenantId);
    advance(61_000);
  }
}

describe("refunds of a withdrawn or erased buyer", () => {
  it("a refund of a delivered order whose buyer withdrew (by e-mail) goes to no destination", async () => {
    const world = await createAdjustmentWorld("adjw-email");
    await sendStandard("adjw-email", consentedPurchase("order-w1"));
    await deliverAndSettle("adjw-email");
    expect(world.dmIngests()).toHaveLength(1);

    const withdrawn = await withdraw("adjw-email", { email: "john.doe+shop@gmail.com" });
    expect(withdrawn.json).toMatchObject({ status: "withdrawn", matchedEvents: 1 });

    advance(60_000);
    const res = await sendStandard("adjw-email", standardRefund("order-w1"));
    expect(res.status).toBe(202);
    await deliverAll("adjw-email");

    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(1);
    const detail = await world.eventDetail(res.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    expect(deliveryTo(detail, "google-dm")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
  });

  it("a withdrawal by order id stops the order's later refunds", async () => {
    const world = await createAdjustmentWorld("adjw-order");
    await sendStandard("adjw-order", consentedPurchase("order-w2"));
    await deliverAndSettle("adjw-order");

    const withdrawn = await withdraw("adjw-order", { orderId: "order-w2" });
    expect(withdrawn.json).toMatchObject({ matchedEvents: 1 });

    advance(60_000);
    const res = await sendStandard("adjw-order", standardRefund("order-w2", { value: 10, currency: "EUR" }));
    expect(res.status).toBe(202);
    await deliverAll("adjw-order");

    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(1);
    expect(deliveryTo(await world.eventDetail(res.json.id), "google")).toMatchObject({ status: "suppressed" });
  });

  it("a refund still queued when the buyer withdraws (by phone) is never sent", async () => {
    const world = await createAdjustmentWorld("adjw-queued");
    await sendStandard("adjw-queued", consentedPurchase("order-w3"));
    await deliverAndSettle("adjw-queued");

    advance(60_000);
    const res = await sendStandard("adjw-queued", standardRefund("order-w3"));
    expect(res.status).toBe(202);
    // The refund waits for the next alarm when the withdrawal lands.
    const withdrawn = await withdraw("adjw-queued", { phone: "+1 650-555-1212" });
    expect(withdrawn.json).toMatchObject({ status: "withdrawn", matchedEvents: 2, suppressed: 2 });
    await deliverAll("adjw-queued");

    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(1);
    const detail = await world.eventDetail(res.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    expect(deliveryTo(detail, "google-dm")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    // A replay asked for later sends nothing either.
    const replay = await admin("POST", `/tenants/adjw-queued/events/${res.json.id}/replay`);
    expect(replay.json?.replayed ?? 0).toBe(0);
    await deliverAll("adjw-queued");
    expect(world.adjustmentUploads()).toHaveLength(0);
  });

  it("a refund that came before the purchase of an already withdrawn buyer is suppressed with the purchase", async () => {
    const world = await createAdjustmentWorld("adjw-first");
    expect((await withdraw("adjw-first", { email: "john.doe+shop@gmail.com" })).json).toMatchObject({ matchedEvents: 0 });
    // The refund names only the order, and its own consent allows Google: nothing yet says whose it is.
    const early = await sendStandard(
      "adjw-first",
      standardRefund("order-w5", { consent: { gcm: { ad_user_data: "granted" }, meta: "granted" } }),
    );
    expect(early.status).toBe(202);
    const purchase = await sendStandard("adjw-first", consentedPurchase("order-w5"));
    expect(purchase.status).toBe(202);
    await deliverAll("adjw-first");

    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(0);
    const detail = await world.eventDetail(early.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    expect(deliveryTo(detail, "google-dm")).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    // Nor does a replay of the refund, or of the destination, send it.
    expect((await admin("POST", `/tenants/adjw-first/events/${early.json.id}/replay`)).json?.replayed ?? 0).toBe(0);
    await admin("POST", "/tenants/adjw-first/destinations/google/replay");
    await deliverAll("adjw-first");
    expect(world.adjustmentUploads()).toHaveLength(0);
  });

  it("erasure never deletes another buyer's order that only shares a join key with the subject's: it is held back", async () => {
    const world = await createAdjustmentWorld("adjw-shared");
    const john = await sendStandard("adjw-shared", consentedPurchase("order-w6", { joinKey: "kiosk-1" }));
    const bob = await sendStandard(
      "adjw-shared",
      consentedPurchase("order-w7", { joinKey: "kiosk-1", customer: { email: "bob@example.com" }, clickIds: {} }),
    );
    const erased = await admin("POST", "/tenants/adjw-shared/subjects/erase", { email: "john.doe@gmail.com" });
    expect(erased.json).toMatchObject({ status: "erased", erasedEvents: 1 });
    expect((await admin("GET", `/tenants/adjw-shared/events/${john.json.id}`)).status).toBe(404);
    const kept = await world.eventDetail(bob.json.id);
    expect(kept.orderId).toBe("order-w7");
    for (const d of kept.deliveries) expect(d).toMatchObject({ status: "suppressed", reason: "withdrawn" });
  });

  it("erasure deletes the order's refunds, stored before and after its purchase, and refuses the later ones", async () => {
    const world = await createAdjustmentWorld("adjw-erase");
    // A refund that came before its purchase (webhooks arrive in any order), then the purchase,
    // then a second refund of it that waits for the alarm.
    const early = await sendStandard("adjw-erase", standardRefund("order-w4", { value: 5, currency: "EUR" }));
    expect(early.status).toBe(202);
    const purchase = await sendStandard("adjw-erase", consentedPurchase("order-w4", { joinKey: "cart-w4" }));
    await deliverAndSettle("adjw-erase");
    const uploadsBefore = world.adjustmentUploads().length;
    const dmBefore = world.dmIngests().length;
    advance(60_000);
    const queued = await sendStandard("adjw-erase", standardRefund("order-w4", { value: 7, currency: "EUR" }));
    expect(queued.status).toBe(202);

    const erased = await admin("POST", "/tenants/adjw-erase/subjects/erase", { email: "John.Doe+Shop@GMail.com" });
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({ status: "erased", erasedEvents: 3 });
    for (const id of [early.json.id, purchase.json.id, queued.json.id]) {
      expect((await admin("GET", `/tenants/adjw-erase/events/${id}`)).status).toBe(404);
    }

    // A later refund of the erased order, and the platform's redelivery of the purchase, are
    // answered (so the platform stops retrying) and not stored; nothing more reaches Google.
    advance(60_000);
    const later = await sendStandard("adjw-erase", standardRefund("order-w4"));
    expect(later.status).toBe(200);
    expect(later.json).toEqual({ status: "ignored", reason: "erased_subject" });
    const redelivered = await sendStandard("adjw-erase", consentedPurchase("order-w4", { joinKey: "cart-w4" }));
    expect(redelivered.status).toBe(200);
    expect(redelivered.json).toEqual({ status: "ignored", reason: "erased_subject" });
    await deliverAll("adjw-erase");
    expect(world.adjustmentUploads()).toHaveLength(uploadsBefore);
    expect(world.dmIngests()).toHaveLength(dmBefore);

    // The checkout's browser data is not collected again either.
    const beacon = await sendBeacon("adjw-erase", { joinKey: "cart-w4", consent: { gcm: { ad_user_data: "granted" } } });
    expect(beacon.status).toBe(204);
    const rows = await relayRows("adjw-erase");
    expect(rows.beacons).toHaveLength(0);
    // Nothing of the order is left.
    expect(rows.events).toEqual([]);
    expect(rows.eventSubjects).toEqual([]);
  });

  it("a purchase dropped for an erased buyer takes its order with it: the refund that came first and a later one are not sent", async () => {
    const world = await createAdjustmentWorld("adjw-erased-first");
    expect((await admin("POST", "/tenants/adjw-erased-first/subjects/erase", { email: "john.doe+shop@gmail.com" })).json).toMatchObject({
      erasedEvents: 0,
    });
    const granted = { consent: { gcm: { ad_user_data: "granted" }, meta: "granted" } };
    // A refund that names only the order, then its purchase (dropped), then another refund.
    const early = await sendStandard("adjw-erased-first", standardRefund("order-e1", granted));
    expect(early.status).toBe(202);
    const purchase = await sendStandard("adjw-erased-first", consentedPurchase("order-e1", { joinKey: "cart-e1" }));
    expect(purchase.json).toEqual({ status: "ignored", reason: "erased_subject" });
    const later = await sendStandard("adjw-erased-first", standardRefund("order-e1", { ...granted, value: 3, currency: "EUR" }));
    expect(later.json).toEqual({ status: "ignored", reason: "erased_subject" });
    await deliverAll("adjw-erased-first");
    expect(world.adjustmentUploads()).toHaveLength(0);
    expect(world.dmIngests()).toHaveLength(0);
    const detail = await world.eventDetail(early.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "suppressed" });
  });
});
