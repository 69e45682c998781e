import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TenantRelay } from "../../../durable-objects/TenantRelay";
import { GroupCommit, MAX_GROUP } from "../../../durable-objects/relay/group-commit";
import { clock } from "../../../src/platform/clock";
import { useTestClock } from "../../helpers/clock";
import { createTenant, purchase, relay, relayRows, sendWebhook } from "../../helpers/relay";
import { relayEvent, tenantWithPlan } from "./helpers";

useTestClock();

describe("GroupCommit", () => {
  /** A group that upper-cases its items; "bad" fails alone; `flushes` records each group written. */
  function upperCaser() {
    const flushes: string[][] = [];
    const group = new GroupCommit<string, string, string>(
      (items) => {
        flushes.push(items);
        return items.map((item) => (item === "bad" ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: item }));
      },
      async (written) => written.map((w) => (w.ok ? { ok: true, value: w.value.toUpperCase() } : w)),
    );
    return { group, flushes };
  }

  it("hands requests that arrive together to one flush, in order, and settles each with its own result", async () => {
    const { group, flushes } = upperCaser();
    const answers = await Promise.allSettled([group.submit("a"), group.submit("bad"), group.submit("c")]);
    expect(flushes).toEqual([["a", "bad", "c"]]);
    expect(answers).toEqual([
      { status: "fulfilled", value: "A" },
      { status: "rejected", reason: new Error("refused bad") },
      { status: "fulfilled", value: "C" },
    ]);
    // A later request starts a flush of its own.
    expect(await group.submit("d")).toBe("D");
    expect(flushes).toEqual([["a", "bad", "c"], ["d"]]);
  });

  it("drain() writes what waits at once, before the caller goes on; the answers follow", async () => {
    const { group, flushes } = upperCaser();
    const a = group.submit("a");
    const b = group.submit("b");
    group.drain();
    expect(flushes).toEqual([["a", "b"]]);
    group.drain();
    expect(flushes).toEqual([["a", "b"]]);
    expect(await Promise.all([a, b])).toEqual(["A", "B"]);
  });

  it(`writes a group at once when it reaches ${MAX_GROUP} requests`, async () => {
    const { group, flushes } = upperCaser();
    const answers = Array.from({ length: MAX_GROUP + 1 }, (_, i) => group.submit(`r${i}`));
    expect(flushes.map((f) => f.length)).toEqual([MAX_GROUP]);
    await Promise.all(answers);
    expect(flushes.map((f) => f.length)).toEqual([MAX_GROUP, 1]);
  });

  it("rejects every request of a group whose write or finish throws, and keeps working", async () => {
    let fail = true;
    const group = new GroupCommit<number, number, number>(
      (items) => {
        if (fail) throw new Error("storage down");
        return items.map((n) => ({ ok: true, value: n }));
      },
      async (written) => written.map((w) => (w.ok ? { ok: true, value: w.value * 2 } : w)),
    );
    const answers = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(answers.map((a) => a.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await group.submit(3)).toBe(6);
  });
});

describe("ingests written together (TenantRelay)", () => {
  it("webhooks arriving at once are each stored once; redeliveries among them get the stored event's id", async () => {
    await createTenant("gc-burst");
    const orders = Array.from({ length: 24 }, (_, i) => `gc-${i}`);
    const sends = [...orders, "gc-0", "gc-0", "gc-5"].map((id) => sendWebhook("gc-burst", purchase(id)));
    const answers = await Promise.all(sends);
    expect(answers.filter((a) => a.status !== 202 && a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(orders.length);
    const rows = await relayRows("gc-burst");
    expect(rows.events).toHaveLength(orders.length);
    const idOf = new Map(rows.events.map((e: any) => [e.order_id, e.id]));
    for (const [i, a] of answers.entries()) {
      const orderId = i < orders.length ? orders[i]! : ["gc-0", "gc-0", "gc-5"][i - orders.length]!;
      expect(a.json.id).toBe(idOf.get(orderId));
    }
    // Every stored event has its delivery and subject rows: nothing half-written.
    expect(rows.deliveries).toHaveLength(orders.length);
    expect(new Set(rows.eventSubjects.map((s) => s.event_id))).toEqual(new Set(idOf.values()));
  });

  it("an event that cannot be written fails its own request only; the rest of its group is stored whole", async () => {
    const { tenant, plan } = await tenantWithPlan("gc-bad");
    const stub = relay("gc-bad");
    // A destination without an id breaks the deliveries' NOT NULL: the write throws after the event and subject rows.
    const broken = { ...plan, destinations: [{ id: null as unknown as string, type: "meta" as const }] };
    // The object's first ingest is the bad one: what it wrote of the object's own marks (tenant id
    // and region) is rolled back with it, and the next one must write them again.
    const answers = await Promise.allSettled([
      stub.ingest(relayEvent("gc-bad-1"), broken),
      stub.ingest(relayEvent("gc-good-1"), plan),
      stub.ingest(relayEvent("gc-good-2"), plan),
    ]);
    expect(answers.map((a) => a.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    const rows = await relayRows("gc-bad");
    expect(rows.events.map((e: any) => e.order_id).sort()).toEqual(["gc-good-1", "gc-good-2"]);
    expect(rows.deliveries).toHaveLength(2);
    expect(rows.eventSubjects.map((s) => s.subject_key).sort()).toEqual([
      // The kind and the first 16 hex digits (64 bits) of each key.
      "order:gc-good-10000000",
      "order:gc-good-20000000",
    ]);
    expect(Object.fromEntries(rows.kv)).toMatchObject({ tenantId: "gc-bad", region: tenant.region });
    // The failed one was not stored: sent again (fixed), it is accepted, not a duplicate.
    expect(await stub.ingest(relayEvent("gc-bad-1"), plan)).toMatchObject({ status: "accepted" });
  });

  it("a redelivery in the same group is a duplicate of the waiting event, and its refusal withdraws that event's delivery", async () => {
    const { plan } = await tenantWithPlan("gc-same");
    // Called inside the object, in this order and in one turn: the two are one group, the grant first.
    const [first, again] = await runInDurableObject(relay("gc-same"), (instance: TenantRelay) =>
      Promise.all([
        instance.ingest(relayEvent("gc-same-1", { consent: { meta: "granted" } }), plan),
        instance.ingest(relayEvent("gc-same-1", { consent: { meta: "denied" } }), plan),
      ]),
    );
    expect(first).toMatchObject({ status: "accepted" });
    expect(again).toEqual({ status: "duplicate", id: (first as { id: string }).id });
    const rows = await relayRows("gc-same");
    expect(rows.events).toHaveLength(1);
    expect(rows.deliveries).toEqual([expect.objectContaining({ event_id: (first as { id: string }).id, status: "suppressed" })]);
  });

  it("a refusal in a redelivery also withdraws an event of the same join key that waits in the same group", async () => {
    const { plan } = await tenantWithPlan("gc-join");
    const joinKeyHash = "a".repeat(64);
    // An earlier order of the same browser (join key), stored before.
    await relay("gc-join").ingest(relayEvent("gc-join-old", { joinKeyHash, consent: { meta: "granted" } }), plan);
    const [fresh, redelivery] = await runInDurableObject(relay("gc-join"), (instance: TenantRelay) =>
      Promise.all([
        instance.ingest(relayEvent("gc-join-new", { joinKeyHash, consent: { meta: "granted" } }), plan),
        instance.ingest(relayEvent("gc-join-old", { joinKeyHash, consent: { meta: "denied" } }), plan),
      ]),
    );
    expect(fresh).toMatchObject({ status: "accepted" });
    expect(redelivery).toMatchObject({ status: "duplicate" });
    const rows = await relayRows("gc-join");
    expect(rows.deliveries.map((d: any) => d.status)).toEqual(["suppressed", "suppressed"]);
  });

  it("a refund that arrives while its order waits in a group finds the order", async () => {
    const { plan } = await tenantWithPlan("gc-refund");
    const [order, cancellation] = await runInDurableObject(relay("gc-refund"), (instance: TenantRelay) =>
      Promise.all([
        instance.ingest(relayEvent("gc-refund-1", { consent: { meta: "granted" } }), plan),
        instance.ingestAdjustment(
          {
            sourceId: "shop",
            orderKey: "order:gc-refund-1",
            adjustmentKey: "cancelled",
            kind: "cancellation",
            occurredAt: clock.now(),
            full: true,
            subjectKeys: [],
          },
          plan,
        ),
      ]),
    );
    expect(order).toMatchObject({ status: "accepted" });
    expect(cancellation).toMatchObject({ status: "accepted" });
    const rows = await relayRows("gc-refund");
    const stored = rows.events.find((e: any) => e.id === (cancellation as { id: string }).id) as any;
    expect(JSON.parse(stored.body).adjustment.originalEventId).toBe((order as { id: string }).id);
    // The order, cancelled before it was sent, is never sent.
    expect(rows.deliveries.find((d: any) => d.event_id === (order as { id: string }).id)).toMatchObject({
      status: "suppressed",
      reason: "order_cancelled",
    });
  });
});
