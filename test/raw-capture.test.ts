import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { decryptSecret } from "../src/config/crypto";
import { getTenant } from "../src/config/tenant-store";
import { captureRawBody } from "../src/storage/raw-capture";
import { advance, useTestClock } from "./helpers/clock";
import { server, useMsw } from "./helpers/msw";
import { CUSTOMER, admin, createTenant, purchase, runAlarm, sendWebhook, withdraw } from "./helpers/relay";

useMsw();
useTestClock();

async function keys(bucket: R2Bucket, prefix: string) {
  return (await bucket.list({ prefix })).objects.map((o) => o.key);
}

describe("raw capture (optional, per tenant)", () => {
  it("is off by default", async () => {
    await createTenant("rc-off");
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    await sendWebhook("rc-off", purchase("rc-0"));
    expect(await keys(env.EVENTS, "rc-off/")).toEqual([]);
  });

  it("keeps the verified body encrypted in the tenant's jurisdiction and deletes it with the event", async () => {
    await createTenant("rc-eu", { region: "eu" });
    expect((await admin("PATCH", "/tenants/rc-eu", { rawCapture: true })).json.tenant.rawCapture).toBe(true);
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    const body = purchase("rc-1");
    const res = await sendWebhook("rc-eu", body);
    const key = `rc-eu/raw/${res.json.id}`;
    expect(await keys(env.EVENTS_EU, "rc-eu/")).toEqual([key]);
    expect(await keys(env.EVENTS, "rc-eu/")).toEqual([]);

    const stored = await (await env.EVENTS_EU.get(key))!.text();
    expect(stored).not.toContain(CUSTOMER.email.trim());
    expect(JSON.parse(await decryptSecret(env.ENCRYPTION_KEY, stored, key))).toEqual(body);

    await runAlarm("rc-eu");
    advance(24 * 3_600_000 + 1_000);
    await runAlarm("rc-eu");
    expect(await keys(env.EVENTS_EU, "rc-eu/")).toEqual([]);
  });

  it("goes with a data subject erasure", async () => {
    await createTenant("rc-erase");
    await admin("PATCH", "/tenants/rc-erase", { rawCapture: true });
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    await sendWebhook("rc-erase", purchase("rc-2"));
    expect(await keys(env.EVENTS, "rc-erase/")).toHaveLength(1);
    await admin("POST", "/tenants/rc-erase/subjects/erase", { email: CUSTOMER.email });
    expect(await keys(env.EVENTS, "rc-erase/")).toEqual([]);
  });

  it("is not left behind by an erasure that lands between the event's answer and the capture's write", async () => {
    await createTenant("rc-race");
    await admin("PATCH", "/tenants/rc-race", { rawCapture: true });
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    const res = await sendWebhook("rc-race", purchase("rc-3"));
    await admin("POST", "/tenants/rc-race/subjects/erase", { email: CUSTOMER.email });
    expect(await keys(env.EVENTS, "rc-race/")).toEqual([]);

    // The ingest route's capture step, run for the event the erasure took (as if it came late).
    const tenant = (await getTenant(env, "rc-race"))!;
    await captureRawBody(env, tenant, res.json.id, JSON.stringify(purchase("rc-3")), Date.now() + 3_600_000);
    expect(await keys(env.EVENTS, "rc-race/")).toEqual([]);

    // An event the object still holds keeps its capture.
    const kept = await sendWebhook("rc-race", purchase("rc-4", { customer: { email: "other@example.com" } }));
    expect(await keys(env.EVENTS, "rc-race/")).toEqual([`rc-race/raw/${kept.json.id}`]);
  });

  it("is not written for the webhook of a withdrawn or erased buyer", async () => {
    await createTenant("rc-withdrawn");
    await admin("PATCH", "/tenants/rc-withdrawn", { rawCapture: true });
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    const withdrawn = await withdraw("rc-withdrawn", { email: CUSTOMER.email });
    expect(withdrawn.status).toBe(200);
    // Stored (its deliveries suppressed, as the log shows), but its raw body, the buyer's data, is not kept.
    const res = await sendWebhook("rc-withdrawn", purchase("rc-5"));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ status: "accepted", id: expect.any(String) });
    expect(await keys(env.EVENTS, "rc-withdrawn/")).toEqual([]);
    // Another buyer's webhook is captured as before.
    const other = await sendWebhook("rc-withdrawn", purchase("rc-6", { customer: { email: "other@example.com" } }));
    expect(await keys(env.EVENTS, "rc-withdrawn/")).toEqual([`rc-withdrawn/raw/${other.json.id}`]);
  });

  it("goes with a withdrawal, even one that lands between the event's answer and the capture's write", async () => {
    await createTenant("rc-withdraw-later");
    await admin("PATCH", "/tenants/rc-withdraw-later", { rawCapture: true });
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    const first = await sendWebhook("rc-withdraw-later", purchase("rc-7"));
    expect(await keys(env.EVENTS, "rc-withdraw-later/")).toEqual([`rc-withdraw-later/raw/${first.json.id}`]);
    expect((await withdraw("rc-withdraw-later", { email: CUSTOMER.email })).json).toMatchObject({ matchedEvents: 1 });
    expect(await keys(env.EVENTS, "rc-withdraw-later/")).toEqual([]);

    // The ingest route's capture step, run late for the withdrawn buyer's event: not kept.
    const tenant = (await getTenant(env, "rc-withdraw-later"))!;
    await captureRawBody(env, tenant, first.json.id, JSON.stringify(purchase("rc-7")), Date.now() + 3_600_000);
    expect(await keys(env.EVENTS, "rc-withdraw-later/")).toEqual([]);
  });
});
