import { describe, expect, it } from "vitest";
import type { AdjustmentInput } from "../../../src/platform/relay-rpc";
import { clock } from "../../../src/platform/clock";
import { useTestClock } from "../../helpers/clock";
import { relay, relayRows } from "../../helpers/relay";
import { relayEvent, tenantWithPlan } from "./helpers";

useTestClock();

/**
 * During a deploy, Workers of the previous release still call the new object for a while: what
 * they hand over lacks the fields added since. The object must take it as that release meant it.
 */
describe("calls from a Worker of the previous release", () => {
  it("a refund without subject keys is stored under its order's keys, and a withdrawal of the buyer reaches it", async () => {
    const { plan } = await tenantWithPlan("rollout-refund");
    const buyer = `em:${"b".repeat(64)}`;
    const stub = relay("rollout-refund");
    const order = await stub.ingest(relayEvent("rollout-1", { subjectKeys: [`order:${"1".repeat(64)}`, buyer] }), plan);
    expect(order).toMatchObject({ status: "accepted" });

    // The previous release's AdjustmentInput: no subjectKeys.
    const older: AdjustmentInput = {
      sourceId: "shop",
      orderKey: "order:rollout-1",
      adjustmentKey: "refund-1",
      kind: "refund",
      occurredAt: clock.now(),
      full: false,
      refundedValue: 4,
    };
    const refund = await stub.ingestAdjustment(older, plan);
    expect(refund).toMatchObject({ status: "accepted" });

    const rows = await relayRows("rollout-refund");
    const stored = rows.events.find((e: any) => e.id === (refund as { id: string }).id) as any;
    // The order's own key (from the original), never the buyer's identifiers.
    expect(JSON.parse(stored.body).subjectKeys).toEqual([`order:${"1".repeat(64)}`]);
    expect(await stub.withdraw([buyer])).toMatchObject({ matchedEvents: 2 });
  });

  it("a refund without subject keys whose order is not stored keeps its join key's hash as its key, so an erasure of that checkout reaches it", async () => {
    const { plan } = await tenantWithPlan("rollout-orphan");
    const stub = relay("rollout-orphan");
    const joinKeyHash = "c".repeat(64);
    const older: AdjustmentInput = {
      sourceId: "shop",
      orderKey: "order:rollout-2",
      adjustmentKey: "refund-2",
      kind: "refund",
      occurredAt: clock.now(),
      full: true,
      joinKeyHash,
    };
    const refund = await stub.ingestAdjustment(older, plan);
    expect(refund).toMatchObject({ status: "accepted" });
    const rows = await relayRows("rollout-orphan");
    expect(JSON.parse((rows.events[0] as any).body).subjectKeys).toEqual([`join:${joinKeyHash}`]);
    expect(await stub.eraseSubjects([`join:${joinKeyHash}`])).toMatchObject({ erasedEvents: 1 });
  });

  it("a webhook of a withdrawn buyer is answered as any other to a Worker that passes the object's answer on as it is", async () => {
    const { plan } = await tenantWithPlan("rollout-withdrawn");
    const buyer = `em:${"d".repeat(64)}`;
    const stub = relay("rollout-withdrawn");
    await stub.withdraw([buyer]);

    // The previous release answered the platform with the object's result as it came: it must
    // not carry the withdrawal.
    const older = await stub.ingest(relayEvent("rollout-3", { subjectKeys: [`order:${"3".repeat(64)}`, buyer] }), plan);
    expect(Object.keys(older).sort()).toEqual(["id", "status"]);
    expect(older).toMatchObject({ status: "accepted" });

    // This release builds its own answer and asks (its raw capture is skipped for such a buyer).
    const current = await stub.ingest(relayEvent("rollout-4", { subjectKeys: [`order:${"4".repeat(64)}`, buyer] }), {
      ...plan,
      reportsWithdrawal: true,
    });
    expect(current).toMatchObject({ status: "accepted", withdrawn: true });
  });
});
