import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signStandardWebhook } from "../scripts/lib/standard-webhooks.mjs";
import { startSandbox } from "../sandbox/server.mjs";
import type { RecordedRequest, Sandbox } from "../sandbox/server.mjs";
import { createStandardTenant, relayClient, waitFor } from "./client";
import { killAllRelays, spawnRelay, type RelayProcess } from "./relay-process";

// "No loss, no double" (README, "Reliability"): a 2xx to the webhook means the event
// is durably stored, and a crash of the runtime (the process killed between receipt and delivery)
// neither loses nor doubles a delivery. The relay runs in a child process on persistent local
// state; the test SIGKILLs it (no graceful shutdown) and starts a new one on the same state.
//
// RETRY_TIME_SCALE 0.5 turns the first retry (10 s) into 4-6 s: the crash comes well before it.
// The circuit breaker (5 consecutive failed requests, then an unscaled 30 s pause) stays out of
// reach: the first scenario fails two requests before the crash (fewer than five on a slow machine).

const ADMIN_TOKEN = "restart-admin-token";
const SECRET = `whsec_${Buffer.from("sluice-restart-signing-key-000000").toString("base64")}`;
const ORDERS = 20;
const SCALE = "0.5";

let sandbox: Sandbox;
let tmpRoot: string;

beforeAll(async () => {
  sandbox = await startSandbox({ log: false, maxRequests: 10_000 });
  tmpRoot = mkdtempSync(path.join(os.tmpdir(), "sluice-restart-"));
});

afterEach(async () => {
  await killAllRelays();
  sandbox.clearFaults();
  sandbox.clear();
});

afterAll(async () => {
  await killAllRelays();
  await sandbox?.close();
  if (tmpRoot) rmSync(tmpRoot, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The relay process's HTTP API; a call that hangs fails after 10 s. */
const client = (relay: RelayProcess) =>
  relayClient((urlPath, init) => fetch(`${relay.url}${urlPath}`, { ...init, signal: AbortSignal.timeout(10_000) }), ADMIN_TOKEN);

function createTenant(relay: RelayProcess, tenantId: string) {
  const tenant = { id: tenantId, name: `Restart ${tenantId}`, region: "eu", defaultCountry: "GB" };
  return createStandardTenant(client(relay).admin, tenant, SECRET, { settings: { pixelId: "445566" }, accessToken: "restart-meta-token" });
}

function purchase(orderId: string): string {
  return JSON.stringify({
    type: "purchase",
    orderId,
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    value: 20,
    currency: "GBP",
    customer: { email: `${orderId}@example.co.uk`, country: "GB" },
    client: { ip: "198.51.100.7", userAgent: "Mozilla/5.0 restart", pageUrl: "https://shop.example/thanks" },
    consent: { meta: "granted" },
  });
}

/** Sends every order's webhook at once; returns the stored event id per order. */
async function sendOrders(relay: RelayProcess, tenantId: string, orderIds: string[]): Promise<Map<string, string>> {
  const { call } = client(relay);
  const answers = await Promise.all(
    orderIds.map(async (orderId) => {
      const body = purchase(orderId);
      return [orderId, await call("POST", `/v1/hooks/${tenantId}/shop`, body, signStandardWebhook({ secret: SECRET, body }))] as const;
    }),
  );
  for (const [, res] of answers) expect(res).toMatchObject({ status: 202, json: { status: "accepted" } });
  return new Map(answers.map(([orderId, res]) => [orderId, res.json.id as string]));
}

/** event_ids of the Meta requests the emulator accepted (HTTP 200, no fault), one entry per acceptance. */
function acceptedEventIds(requests: RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.response.status === 200 && !r.fault)
    .flatMap((r) => ((r.body as { data?: Array<{ event_id: string }> })?.data ?? []).map((e) => e.event_id));
}

/** Waits (looking only at the emulator, never touching the relay) until every order was accepted. */
async function waitForAllAccepted(orderIds: string[], timeoutMs: number): Promise<void> {
  await waitFor(
    () => {
      const accepted = new Set(acceptedEventIds(sandbox.requests({ api: "meta" })));
      return orderIds.every((id) => accepted.has(id)) ? true : undefined;
    },
    timeoutMs,
    `${orderIds.length} events accepted by the Meta emulator`,
    50,
  );
}

/** Every order accepted exactly once, nothing else accepted. */
function expectExactlyOnce(orderIds: string[]): void {
  const accepted = acceptedEventIds(sandbox.requests({ api: "meta" }));
  const counts = new Map<string, number>();
  for (const id of accepted) counts.set(id, (counts.get(id) ?? 0) + 1);
  expect([...counts.keys()].sort()).toEqual([...orderIds].sort());
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
}

describe("a crash of the runtime with deliveries pending", () => {
  it("resumes retries from storage after SIGKILL and delivers each event exactly once", { timeout: 50_000 }, async () => {
    const persist = path.join(tmpRoot, "retrying");
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `crash-retry-${i + 1}`);
    // Meta is down. Its first answer comes late, so the webhooks stored meanwhile go together in
    // the next request: every event fails once within two requests.
    sandbox.setFaults([
      { api: "meta", times: 1, response: { timeoutMs: 1_000, then: { status: 503 } } },
      { api: "meta", response: { status: 503 } },
    ]);

    let relay = await spawnRelay({ sandboxUrl: sandbox.url, persistRoot: persist, adminToken: ADMIN_TOKEN, retryTimeScale: SCALE });
    expect(relay.migrated).toBe(true);
    await createTenant(relay, "crash-retry");
    const ids = await sendOrders(relay, "crash-retry", orderIds);

    // Stored, and every one has had a failed attempt and waits for its retry.
    await waitFor(
      async () => {
        const { admin } = client(relay);
        const events = await Promise.all([...ids.values()].map((id) => admin("GET", `/tenants/crash-retry/events/${id}`)));
        return events.every((e) => e.json.deliveries[0].status === "pending" && e.json.deliveries[0].attempts >= 1) ? true : undefined;
      },
      15_000,
      "a failed first attempt of every event",
      50,
    );
    const before = sandbox.requests({ api: "meta" });
    expect(before.length).toBeGreaterThan(0);
    // Usually two requests; a slow machine may spread the webhooks over a few more. Fewer than
    // five keeps the breaker (src/delivery/circuit.ts) closed.
    expect(before.length).toBeLessThan(5);
    expect(before.every((r) => r.response.status === 503)).toBe(true);

    await relay.crash();
    sandbox.clearFaults();
    relay = await spawnRelay({ sandboxUrl: sandbox.url, persistRoot: persist, adminToken: ADMIN_TOKEN, retryTimeScale: SCALE });
    expect(relay.migrated).toBe(false);

    // Nothing pokes the relay: its own alarm, restored from storage, resumes the retries.
    await waitForAllAccepted(orderIds, 20_000);
    await sleep(1_500); // a second send right behind the first would show up
    expectExactlyOnce(orderIds);

    const { admin, call } = client(relay);
    for (const [orderId, id] of ids) {
      const event = await admin("GET", `/tenants/crash-retry/events/${id}`);
      expect(event.status).toBe(200);
      expect(event.json).toMatchObject({ id, orderId });
      expect(event.json.deliveries).toHaveLength(1);
      expect(event.json.deliveries[0]).toMatchObject({ destinationId: "meta", status: "delivered" });
      expect(event.json.deliveries[0].attempts).toBeGreaterThanOrEqual(2);
    }
    // The dedup index survived the crash too: the platform's redeliveries are duplicates.
    for (const orderId of orderIds.slice(0, 3)) {
      const body = purchase(orderId);
      const again = await call("POST", "/v1/hooks/crash-retry/shop", body, signStandardWebhook({ secret: SECRET, body }));
      expect(again).toEqual({ status: 200, json: { status: "duplicate", id: ids.get(orderId) } });
    }
    await sleep(500);
    expectExactlyOnce(orderIds);
  });

  it("resends a request that was in flight when the process died, under the same event_id", { timeout: 50_000 }, async () => {
    const persist = path.join(tmpRoot, "in-flight");
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `crash-flight-${i + 1}`);
    // Meta holds every request (longer than the test), as when the process dies mid-request.
    sandbox.setFaults([{ api: "meta", response: { timeoutMs: 60_000 } }]);

    let relay = await spawnRelay({ sandboxUrl: sandbox.url, persistRoot: persist, adminToken: ADMIN_TOKEN, retryTimeScale: SCALE });
    await createTenant(relay, "crash-flight");
    const firstHalf = orderIds.slice(0, ORDERS / 2);
    const ids = await sendOrders(relay, "crash-flight", firstHalf);
    const held = await waitFor(
      () => {
        const pending = sandbox.requests({ api: "meta" }).filter((r) => r.pending);
        return pending.length > 0 ? pending : undefined;
      },
      8_000,
      "a Meta request held in flight",
      50,
    );
    expect(held[0]!.events).toBeGreaterThan(0);
    // The rest arrive while Meta's lane is busy: they wait behind it, in storage only. The crash
    // comes after the alarm run has returned (it waits 2 s for its lanes) and set the next alarm.
    for (const [orderId, id] of await sendOrders(relay, "crash-flight", orderIds.slice(ORDERS / 2))) ids.set(orderId, id);
    await sleep(3_000);
    expect(sandbox.requests({ api: "meta" })).toHaveLength(1);

    await relay.crash();
    sandbox.clearFaults();
    relay = await spawnRelay({ sandboxUrl: sandbox.url, persistRoot: persist, adminToken: ADMIN_TOKEN, retryTimeScale: SCALE });

    await waitForAllAccepted(orderIds, 20_000);
    await sleep(1_500);
    expectExactlyOnce(orderIds);
    // The held request died with the process: the emulator never answered it.
    const first = sandbox.requests({ api: "meta" }).find((r) => r.seq === held[0]!.seq)!;
    expect(first.response.status).not.toBe(200);

    const { admin } = client(relay);
    for (const [orderId, id] of ids) {
      const event = await admin("GET", `/tenants/crash-flight/events/${id}`);
      expect(event.json).toMatchObject({ id, orderId });
      // The interrupted attempt was never recorded; the one after the restart is the first.
      expect(event.json.deliveries[0]).toMatchObject({ destinationId: "meta", status: "delivered", attempts: 1 });
    }
  });
});
