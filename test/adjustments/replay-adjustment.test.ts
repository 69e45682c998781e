import { describe, expect, it } from "vitest";
import { adsError, googleAdsFailure } from "../../sandbox/google.mjs";
import { DM_SETTINGS, dataManagerPut } from "../google/helpers";
import { useMsw } from "../helpers/msw";
import { admin, runAlarm } from "../helpers/relay";
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

/** Google Ads answers the adjustment upload's one row CONVERSION_NOT_FOUND (a partial failure). */
const notFoundOnce = (req: { path: string }) =>
  req.path.endsWith(":uploadConversionAdjustments")
    ? {
        status: 200,
        body: {
          partialFailureError: {
            code: 3,
            message: "The conversion for this conversion action and conversion identifier can't be found.",
            details: [
              googleAdsFailure(
                "v25",
                [
                  adsError("conversionAdjustmentUploadError", "CONVERSION_NOT_FOUND", {
                    row: 0,
                    collection: "conversionAdjustments",
                    field: "order_id",
                  }),
                ],
                "req-1",
              ),
            ],
          },
          results: [{}],
        },
      }
    : undefined;

describe("replaying a refund whose adjustment failed", () => {
  it("is not resent to a destination that has since become another platform (the original never went there)", async () => {
    const tenant = "adj-replay-retyped";
    const world = await createAdjustmentWorld(tenant);
    await sendStandard(tenant, consentedPurchase("order-rt"));
    await deliverAndSettle(tenant);
    advance(60_000);
    world.google.override("google-ads", notFoundOnce);
    const refund = await sendStandard(tenant, standardRefund("order-rt"));
    await runAlarm(tenant);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({ status: "failed" });

    // The destination id `google` is now a Data Manager destination: it never got the original.
    expect((await admin("PUT", `/tenants/${tenant}/destinations/google`, dataManagerPut(tenant, DM_SETTINGS))).status).toBeLessThan(300);
    const replay = await admin("POST", `/tenants/${tenant}/events/${refund.json.id}/replay`);
    expect(replay.json).toMatchObject({ replayed: 0 });
    await runAlarm(tenant);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({
      status: "failed",
      lastError: "CONVERSION_NOT_FOUND",
    });
  });

  it("an event replay of the refund resends its retraction (it carries no consent of its own: it follows its original)", async () => {
    const tenant = "adj-replay-ev";
    const world = await createAdjustmentWorld(tenant);
    await sendStandard(tenant, consentedPurchase("order-rp1"));
    await deliverAndSettle(tenant);
    advance(60_000);
    world.google.override("google-ads", notFoundOnce);
    const refund = await sendStandard(tenant, standardRefund("order-rp1"));
    await runAlarm(tenant);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({
      status: "failed",
      lastError: "CONVERSION_NOT_FOUND",
    });

    const replay = await admin("POST", `/tenants/${tenant}/events/${refund.json.id}/replay`);
    expect(replay.json).toMatchObject({ replayed: 1 });
    await runAlarm(tenant);
    const rows = world.adjustmentUploads().flatMap((c) => c.body.conversionAdjustments);
    expect(rows.map((r: any) => r.adjustmentType)).toEqual(["RETRACTION", "RETRACTION"]);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({ status: "delivered" });
  });

  it("a destination replay resends the destination's failed retraction", async () => {
    const tenant = "adj-replay-dest";
    const world = await createAdjustmentWorld(tenant);
    await sendStandard(tenant, consentedPurchase("order-rp2"));
    await deliverAndSettle(tenant);
    advance(60_000);
    world.google.override("google-ads", notFoundOnce);
    const refund = await sendStandard(tenant, standardRefund("order-rp2"));
    await runAlarm(tenant);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({ status: "failed" });

    const replay = await admin("POST", `/tenants/${tenant}/destinations/google/replay`);
    expect(replay.json).toEqual({ replayed: 1 });
    await runAlarm(tenant);
    expect(deliveryTo(await world.eventDetail(refund.json.id), "google")).toMatchObject({ status: "delivered" });
  });

  it("a restatement overtaken by a later refund is not resent: it would restate a stale value", async () => {
    const tenant = "adj-replay-stale";
    const world = await createAdjustmentWorld(tenant);
    await sendStandard(tenant, consentedPurchase("order-rp3"));
    await deliverAndSettle(tenant);
    advance(60_000);
    world.google.override("google-ads", notFoundOnce);
    const first = await sendStandard(tenant, standardRefund("order-rp3", { value: 9 }));
    await deliverAndSettle(tenant);
    expect(deliveryTo(await world.eventDetail(first.json.id), "google")).toMatchObject({ status: "failed" });
    advance(60_000);
    await sendStandard(tenant, standardRefund("order-rp3", { value: 10 }));
    await deliverAndSettle(tenant);

    expect((await admin("POST", `/tenants/${tenant}/events/${first.json.id}/replay`)).json).toMatchObject({ replayed: 0 });
    expect((await admin("POST", `/tenants/${tenant}/destinations/google/replay`)).json).toEqual({ replayed: 0 });
    const values = world.adjustmentUploads().flatMap((c) => c.body.conversionAdjustments.map((a: any) => a.restatementValue.adjustedValue));
    expect(values).toEqual([40, 30]);
  });
});
