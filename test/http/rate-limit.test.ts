import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { ADMIN, BASE, api, createTenant, joinTokenFor, purchase, relay, relayRows } from "../helpers/relay";
import { signStandard } from "../helpers/standard-webhooks";
import { clock } from "../../src/platform/clock";

useMsw();
useTestClock();
afterEach(() => vi.restoreAllMocks());

const FAILURE_BUDGET = 60; // wrangler.toml AUTH_FAILURE_RL

async function signedWebhook(tenantId: string, orderId: string, ip: string, tamper = false) {
  const raw = JSON.stringify(purchase(orderId));
  const headers = await signStandard(raw, { timestamp: Math.floor(clock.now() / 1000) });
  if (tamper) headers["webhook-signature"] = `v1,${btoa(String.fromCharCode(...new Uint8Array(32)))}`;
  return api(`/v1/hooks/${tenantId}/shop`, { method: "POST", headers: { ...headers, "cf-connecting-ip": ip }, body: raw });
}

/** 800 log lines through vitest's console capture cost more than the webhooks themselves. */
function quietLogs(): void {
  for (const method of ["log", "info", "warn", "error"] as const) vi.spyOn(console, method).mockImplementation(() => undefined);
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
}

/** Sends `count` requests `width` at a time; returns their answers in order. */
async function inWaves(count: number, width: number, send: (i: number) => Promise<Response>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let start = 0; start < count; start += width) {
    const wave = Array.from({ length: Math.min(width, count - start) }, (_, k) => send(start + k));
    for (const res of await Promise.all(wave))
      answers.push({ status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() });
  }
  return answers;
}

/**
 * The binding counts in fixed windows, so a flood may straddle two of them: of 2 × budget + n
 * failures, at least n are refused whatever the boundary, each with Retry-After and a JSON error.
 */
function expectRefusedAfterBudget(answers: Answer[], failure: number, atLeast: number): void {
  expect(answers.filter((a) => a.status !== failure && a.status !== 429)).toEqual([]);
  const refused = answers.filter((a) => a.status === 429);
  expect(refused.length).toBeGreaterThanOrEqual(atLeast);
  for (const a of refused) {
    expect(a.retryAfter).toBe("60");
    expect(JSON.parse(a.body)).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
  }
}

/** The Worker with one binding replaced, to reach a limit without sending thousands of requests. */
async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
function storedBeacons(tenantId: string): Promise<number> {
  return runInDurableObject(relay(tenantId), (_i, state) => {
    try {
      return Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM beacons").one().n);
    } catch {
      return 0; // no table yet: nothing was ever stored
    }
  });
}

/** A limiter that counts like the binding, with a small budget, and records the keys it saw. */
function countingLimiter(budget: number): RateLimit & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    limit: async ({ key }) => {
      keys.push(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return { success: counts.get(key)! <= budget };
    },
  };
}

const exhausted: RateLimit = { limit: async () => ({ success: false }) };

describe("verified webhooks are never limited by address", () => {
  it("800 signed webhooks from one address in a minute are all accepted and stored", async () => {
    await createTenant("rl-pool");
    quietLogs();
    const answers = await inWaves(800, 50, (i) => signedWebhook("rl-pool", `pool-${i}`, "192.0.2.10"));
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect((await relayRows("rl-pool")).events).toHaveLength(800);
  }, 300_000);

  it("over the tenant's quota: 429 with Retry-After, nothing stored", async () => {
    await createTenant("rl-quota");
    const raw = JSON.stringify(purchase("q-1"));
    const headers = await signStandard(raw, { timestamp: Math.floor(clock.now() / 1000) });
    const res = await fetchWith({ WEBHOOK_TENANT_RL: exhausted }, "/v1/hooks/rl-quota/shop", { method: "POST", headers, body: raw });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(((await res.json()) as any).error.code).toBe("rate_limited");
    expect((await relayRows("rl-quota")).events).toEqual([]);
  }, 180_000);

  it("a forged flood naming a tenant does not spend that tenant's quota", async () => {
    await createTenant("rl-forged");
    const calls: string[] = [];
    const counting: RateLimit = {
      limit: async ({ key }) => {
        calls.push(key);
        return { success: true };
      },
    };
    const raw = JSON.stringify(purchase("f-1"));
    const headers = await signStandard(raw, { timestamp: Math.floor(clock.now() / 1000) });
    const forged = await fetchWith({ WEBHOOK_TENANT_RL: counting }, "/v1/hooks/rl-forged/shop", {
      method: "POST",
      headers: { ...headers, "webhook-signature": `v1,${btoa("x".repeat(32))}`, "cf-connecting-ip": "192.0.2.11" },
      body: raw,
    });
    expect(forged.status).toBe(401);
    expect(calls).toEqual([]);
    const good = await fetchWith({ WEBHOOK_TENANT_RL: counting }, "/v1/hooks/rl-forged/shop", { method: "POST", headers, body: raw });
    expect(good.status).toBe(202);
    expect(calls).toEqual(["rl-forged"]);
  }, 180_000);
});

describe("failures are limited per address, without starving good requests", () => {
  it("a bad-signature flood from one address gets 429 while a good webhook from it still gets 202", async () => {
    await createTenant("rl-flood");
    const ip = "192.0.2.20";
    // Every tenth request from the flooding address is a good webhook.
    const isGood = (i: number) => i % 10 === 9;
    const answers = await inWaves(2 * FAILURE_BUDGET + 40, 30, (i) => signedWebhook("rl-flood", `o-${i}`, ip, !isGood(i)));
    const good = answers.filter((_, i) => isGood(i));
    expect(good.map((a) => a.status)).toEqual(Array(good.length).fill(202));
    expectRefusedAfterBudget(
      answers.filter((_, i) => !isGood(i)),
      401,
      20,
    );
    // Good webhooks were accepted after the address was refused, not only before.
    const firstRefused = answers.findIndex((a) => a.status === 429);
    expect(answers.some((a, i) => i > firstRefused && isGood(i) && a.status === 202)).toBe(true);
    expect((await relayRows("rl-flood")).events).toHaveLength(good.length);
    // Another address is not affected by this one's failures.
    expect((await signedWebhook("rl-flood", "bad-other", "192.0.2.21", true)).status).toBe(401);
  }, 300_000);

  it("probing unknown tenants and sources: each failure counts against the address, past the budget 429", async () => {
    const limiter = countingLimiter(3);
    const probe = (i: number, ip: string) =>
      fetchWith({ AUTH_FAILURE_RL: limiter }, `/v1/hooks/rl-nobody-${i}/shop`, {
        method: "POST",
        headers: { "cf-connecting-ip": ip },
        body: "{}",
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await probe(i, "192.0.2.30")).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    expect((await probe(9, "192.0.2.31")).status).toBe(404);
    expect(limiter.keys).toEqual([...Array(5).fill("192.0.2.30"), "192.0.2.31"]);
  }, 180_000);

  it("admin: bad tokens count against the address, past the budget 429; the operator from it is neither counted nor refused", async () => {
    const limiter = countingLimiter(3);
    const call = (authorization: string) =>
      fetchWith({ AUTH_FAILURE_RL: limiter }, "/v1/admin/tenants", { headers: { authorization, "cf-connecting-ip": "192.0.2.40" } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(`Bearer wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const res = await call(ADMIN.authorization);
    expect(res.status).toBe(200);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(limiter.keys).toHaveLength(5);
  }, 180_000);
});

describe("beacons are limited per address and per tenant", () => {
  it("an address past its beacon budget gets 429, counted by address; another address does not", async () => {
    await createTenant("rl-beacon", { allowedOrigins: ["https://shop.example"] });
    const keys: string[] = [];
    const oneAddressOut: RateLimit = {
      limit: async ({ key }) => {
        keys.push(key);
        return { success: key !== "192.0.2.50" };
      },
    };
    const send = async (ip: string) => {
      const joinKey = `jk-${crypto.randomUUID()}`;
      return fetchWith({ BEACON_IP_RL: oneAddressOut }, "/v1/collect/rl-beacon", {
        method: "POST",
        headers: { origin: "https://shop.example", "content-type": "text/plain", "cf-connecting-ip": ip },
        body: JSON.stringify({ joinKey, joinToken: await joinTokenFor("rl-beacon", joinKey), consent: { meta: "granted" } }),
      });
    };
    const refused = await send("192.0.2.50");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(await storedBeacons("rl-beacon")).toBe(0);
    expect((await send("192.0.2.51")).status).toBe(204);
    expect(keys).toEqual(["192.0.2.50", "192.0.2.51"]);
    expect(await storedBeacons("rl-beacon")).toBe(1);
  }, 180_000);

  it("the beacon limiter counts: a real binding refuses an address after its budget", async () => {
    // The Miniflare simulation of BEACON_IP_RL (wrangler.toml: 300 per 60 s), called directly.
    const results = [];
    for (let i = 0; i < 301; i++) results.push((await env.BEACON_IP_RL.limit({ key: "192.0.2.53" })).success);
    expect(results.slice(0, 300).every(Boolean)).toBe(true);
    expect(results[300]).toBe(false);
  });

  it("a tenant past its beacon budget gets 429 with Retry-After, nothing stored", async () => {
    await createTenant("rl-beacon-t", { allowedOrigins: ["https://shop.example"] });
    const res = await fetchWith({ BEACON_TENANT_RL: exhausted }, "/v1/collect/rl-beacon-t", {
      method: "POST",
      headers: { origin: "https://shop.example", "content-type": "text/plain", "cf-connecting-ip": "192.0.2.52" },
      body: JSON.stringify({ joinKey: "jk-1", joinToken: await joinTokenFor("rl-beacon-t", "jk-1"), consent: { meta: "granted" } }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(await storedBeacons("rl-beacon-t")).toBe(0);
  }, 180_000);
});

describe("unknown tenant and unknown source are indistinguishable", () => {
  it("same status, body and headers", async () => {
    await createTenant("rl-404");
    const send = (path: string) => api(path, { method: "POST", headers: { "cf-connecting-ip": "192.0.2.60" }, body: "{}" });
    const noTenant = await send("/v1/hooks/rl-nobody/shop");
    const noSource = await send("/v1/hooks/rl-404/nosuch");
    expect(noTenant.status).toBe(404);
    expect(noSource.status).toBe(noTenant.status);
    expect(await noSource.text()).toBe(await noTenant.text());
    expect([...noSource.headers]).toEqual([...noTenant.headers]);
  }, 180_000);
});
