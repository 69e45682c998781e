import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { server, useMsw } from "../helpers/msw";
import { admin, createTenant, purchase, relayRows, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

const beacon = { joinKey: "sj_deleted_tenant_1", consent: { meta: "granted" }, page: { url: "https://shop.example/thanks" } };

function metaAccepts() {
  server.use(http.post("https://meta.test/:v/:pixel/events", () => HttpResponse.json({ events_received: 1, messages: [] })));
}

describe("tenant deletion", () => {
  it("is operator only: the tenant's own key gets 403 and nothing is purged", async () => {
    const { apiKey } = await createTenant("del-own-key");
    expect((await sendWebhook("del-own-key", purchase("order-1"))).status).toBe(202);
    const res = await admin("DELETE", "/tenants/del-own-key", undefined, { authorization: `Bearer ${apiKey}` });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("forbidden");
    expect((await admin("GET", "/tenants/del-own-key")).status).toBe(200);
    expect((await relayRows("del-own-key")).events).toHaveLength(1);
  });

  it("counts every store in the receipt", async () => {
    metaAccepts();
    await createTenant("del-receipt");
    expect((await sendBeacon("del-receipt", beacon)).status).toBe(204);
    await sendWebhook("del-receipt", purchase("order-1"));
    await sendWebhook("del-receipt", purchase("order-2"));
    await runAlarm("del-receipt");
    await admin("POST", "/../consent/del-receipt/withdraw", { email: "someone.else@example.com" });
    const res = await admin("DELETE", "/tenants/del-receipt");
    expect(res.status).toBe(200);
    expect(res.json.deleted).toBe("del-receipt");
    expect(res.json.purged.durableObject).toMatchObject({ events: 2, deliveries: 2, beacons: 1, suppressions: expect.any(Number) });
    expect(res.json.purged.durableObject.suppressions).toBeGreaterThan(0);
    expect(res.json.purged.durableObject.eventSubjects).toBeGreaterThan(0);
    expect(res.json.purged.durableObject.counters).toBeGreaterThan(0);
    expect(res.json.purged).toMatchObject({ kv: 1, r2Objects: 0 });
    // The registry row and the hourly aggregates the alarm flushed.
    expect(res.json.purged.d1Rows).toBeGreaterThanOrEqual(2);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM hourly_stats WHERE tenant_id = ?").bind("del-receipt").first("n")).toBe(0);
    const rows = await relayRows("del-receipt");
    expect([rows.events, rows.deliveries, rows.beacons, rows.suppressions]).toEqual([[], [], [], []]);
  });

  it("a webhook or beacon right after the purge gets 410 and stores nothing", async () => {
    await createTenant("del-after");
    expect((await admin("DELETE", "/tenants/del-after")).status).toBe(200);

    const hook = await sendWebhook("del-after", purchase("order-late"));
    expect(hook.status).toBe(410);
    expect(hook.json.error.code).toBe("tenant_deleted");
    const late = await sendBeacon("del-after", beacon);
    expect(late.status).toBe(410);

    const rows = await relayRows("del-after");
    expect([rows.events, rows.deliveries, rows.beacons]).toEqual([[], [], []]);
    // The object keeps only its tombstone: a time, no tenant data.
    expect(rows.kv.map(([key]) => key)).toEqual(["deletedAt"]);
  });

  it("refuses webhooks and beacons even where KV still serves the deleted tenant's config", async () => {
    await createTenant("del-stale");
    const cached = await env.CONFIG.get("tenant:del-stale");
    expect((await admin("DELETE", "/tenants/del-stale")).status).toBe(200);
    // Another location's KV cache still holds the config for up to ~60 s: simulate it.
    await env.CONFIG.put("tenant:del-stale", cached!);

    const hook = await sendWebhook("del-stale", purchase("order-stale"));
    expect(hook.status).toBe(410);
    expect((await sendBeacon("del-stale", beacon)).status).toBe(410);
    const rows = await relayRows("del-stale");
    expect([rows.events, rows.deliveries, rows.beacons]).toEqual([[], [], []]);
    expect(await runAlarm("del-stale")).toBe(false);
  });

  it("retires the id: creating a tenant with it again answers 409", async () => {
    await createTenant("del-reuse");
    expect((await admin("DELETE", "/tenants/del-reuse")).status).toBe(200);
    const again = await admin("POST", "/tenants", { id: "del-reuse", name: "Again", region: "global" });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("tenant_id_retired");
    expect((await sendWebhook("del-reuse", purchase("order-x"))).status).toBe(410);
  });
});
