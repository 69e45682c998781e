import { describe, expect, it } from "vitest";
import { countWebhook, QUOTA_WINDOW_MS } from "../../src/http/tenant-quota";
import { advance, now, useTestClock } from "../helpers/clock";
import { admin, api, createTenant, purchase, relayRows, sendWebhook } from "../helpers/relay";
import { signStandard } from "../helpers/standard-webhooks";

useTestClock();

describe("countWebhook", () => {
  it("admits up to the quota within a minute, then answers how long until the minute ends", () => {
    let window = countWebhook(undefined, 2, 1_000).window;
    window = countWebhook(window, 2, 20_000).window;
    const third = countWebhook(window, 2, 30_500);
    expect(third).toEqual({ admitted: false, window: { startedAt: 1_000, count: 2 }, retryAfterSeconds: 31 });
    expect(countWebhook(third.window, 2, 1_000 + QUOTA_WINDOW_MS)).toEqual({
      admitted: true,
      window: { startedAt: 1_000 + QUOTA_WINDOW_MS, count: 1 },
    });
  });

  it("without a quota admits everything and keeps no count", () => {
    expect(countWebhook({ startedAt: 0, count: 10 }, undefined, 5)).toEqual({ admitted: true, window: undefined });
  });

  it("a clock that went back starts a new minute rather than waiting for a window in the future", () => {
    expect(countWebhook({ startedAt: 100_000, count: 5 }, 5, 50_000)).toEqual({ admitted: true, window: { startedAt: 50_000, count: 1 } });
  });
});

const tenantKey = (apiKey: string) => ({ authorization: `Bearer ${apiKey}`, "content-type": "application/json" });

describe("a tenant's own webhook quota (webhookQuota)", () => {
  it("over it: 429 with Retry-After and nothing stored; the next minute is accepted again", async () => {
    const tenant = "quota-3";
    await createTenant(tenant);
    const set = await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: 3 });
    expect(set.status).toBe(200);
    expect(set.json.tenant.webhookQuota).toBe(3);

    for (let i = 0; i < 3; i++) expect((await sendWebhook(tenant, purchase(`q-${i}`))).status).toBe(202);
    advance(20_000);
    const refused = await api(`/v1/hooks/${tenant}/shop`, { method: "POST" }); // unsigned: a 401, not counted
    expect(refused.status).toBe(401);
    const over = await sendWebhookRaw(tenant, purchase("q-3"));
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("40");
    expect(await over.json()).toEqual({ error: { code: "rate_limited", message: "This tenant's webhook quota is used up for now" } });
    // A refund counts as a webhook too.
    expect((await sendWebhook(tenant, { type: "refund", orderId: "q-0", occurredAt: new Date(now()).toISOString() })).status).toBe(429);
    expect((await relayRows(tenant)).events.map((e: any) => e.order_id).sort()).toEqual(["q-0", "q-1", "q-2"]);

    advance(40_000);
    expect((await sendWebhook(tenant, purchase("q-3"))).status).toBe(202);
    expect((await relayRows(tenant)).events).toHaveLength(4);
  });

  it("only the operator sets it; the tenant's own key gets 403 and the quota stays", async () => {
    const tenant = "quota-own-key";
    const { apiKey } = await createTenant(tenant);
    expect((await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: 100 })).status).toBe(200);
    const own = await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: null }, tenantKey(apiKey));
    expect(own.status).toBe(403);
    expect(own.json.error.code).toBe("forbidden");
    const raise = await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: 120_000 }, tenantKey(apiKey));
    expect(raise.status).toBe(403);
    expect((await admin("GET", `/tenants/${tenant}`, undefined, tenantKey(apiKey))).json.tenant.webhookQuota).toBe(100);
    // Other fields stay the tenant's to change.
    expect((await admin("PATCH", `/tenants/${tenant}`, { name: "Renamed" }, tenantKey(apiKey))).status).toBe(200);
  });

  it("null lifts it; without one only the relay-wide limit applies", async () => {
    const tenant = "quota-lifted";
    await createTenant(tenant);
    expect((await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: 1 })).status).toBe(200);
    expect((await sendWebhook(tenant, purchase("l-0"))).status).toBe(202);
    expect((await sendWebhook(tenant, purchase("l-1"))).status).toBe(429);
    const lifted = await admin("PATCH", `/tenants/${tenant}`, { webhookQuota: null });
    expect(lifted.json.tenant.webhookQuota).toBeNull();
    for (let i = 1; i < 6; i++) expect((await sendWebhook(tenant, purchase(`l-${i}`))).status).toBe(202);
  });

  it("is set at creation too, and must be a whole number from 1 to 120,000", async () => {
    const created = await admin("POST", "/tenants", { id: "quota-created", name: "Q", region: "global", webhookQuota: 500 });
    expect(created.status).toBe(201);
    expect(created.json.tenant.webhookQuota).toBe(500);
    for (const bad of [0, -1, 1.5, 120_001, "100"]) {
      const res = await admin("PATCH", "/tenants/quota-created", { webhookQuota: bad });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/webhookQuota/);
    }
  });

  it("the change is in the audit log by name, never its value", async () => {
    await createTenant("quota-audit");
    await admin("PATCH", "/tenants/quota-audit", { webhookQuota: 42 });
    const audit = await admin("GET", "/tenants/quota-audit/audit");
    const update = audit.json.entries.find((e: any) => e.action === "tenant.update");
    expect(update.fields).toEqual(["webhookQuota"]);
    expect(JSON.stringify(audit.json)).not.toContain("42");
  });
});

async function sendWebhookRaw(tenantId: string, body: unknown): Promise<Response> {
  const raw = JSON.stringify(body);
  const headers = await signStandard(raw, { timestamp: Math.floor(now() / 1000) });
  return api(`/v1/hooks/${tenantId}/shop`, { method: "POST", headers, body: raw });
}
