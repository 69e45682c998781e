import { describe, expect, it } from "vitest";
import shopifyRefundCreate from "../fixtures/shopify-refund-create.json";
import { useMsw } from "../helpers/msw";
import { runAlarm } from "../helpers/relay";
import { SECRETS, fixtures, postHook, sign } from "../sources/helpers";
import { createAdjustmentWorld, deliverAndSettle, deliveryTo, now, useAdjustmentClock } from "./helpers";

useMsw();
useAdjustmentClock();

const iso = (agoMs: number) => new Date(now() - agoMs).toISOString();

/*
 * A shop selling in several currencies: the order's conversion carries the shop's currency
 * (`total_price`, USD), but a refund's money moves in the buyer's (presentment) currency
 * ("This must be the presentment currency", https://shopify.dev/docs/api/admin-graphql/latest/input-objects/RefundInput).
 */
describe("a refund in another currency than its conversion", () => {
  it("is never subtracted from the order's value: no restatement in a mixed-up currency, the refund is blocked net_value_unknown", async () => {
    const id = "adj-currency";
    const world = await createAdjustmentWorld(id, [["hook", { type: "shopify", secret: SECRETS.shopify }]]);
    const order = fixtures.shopifyPaid();
    order.created_at = order.processed_at = iso(600_000);
    order.note_attributes = [
      ...(order.note_attributes ?? []),
      { name: "_sluice_consent", value: JSON.stringify({ meta: "granted", gcm: { ad_user_data: "granted", ad_storage: "granted" } }) },
    ];
    const paid = JSON.stringify(order);
    expect((await postHook(id, paid, await sign.shopify(paid))).status).toBe(202);
    await deliverAndSettle(id);
    expect(world.google.callsTo("google-ads")[0]!.body.conversions[0]).toMatchObject({ conversionValue: 112.47, currencyCode: "USD" });

    const refund = structuredClone(shopifyRefundCreate) as any;
    refund.created_at = refund.processed_at = iso(60_000);
    refund.transactions[0].amount = "67.45";
    refund.transactions[0].currency = "CAD";
    const raw = JSON.stringify(refund);
    const res = await postHook(id, raw, await sign.shopify(raw, { topic: "refunds/create", webhookId: "wh-refund-cad" }));
    expect(res.status).toBe(202);
    await runAlarm(id);

    expect(world.adjustmentUploads()).toHaveLength(0);
    const detail = await world.eventDetail(res.json.id);
    expect(deliveryTo(detail, "google")).toMatchObject({ status: "blocked", reason: "net_value_unknown" });
    expect(deliveryTo(detail, "google-dm")).toMatchObject({ status: "blocked", reason: "net_value_unknown" });
  });
});
