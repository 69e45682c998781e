import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { useTestClock } from "../helpers/clock";
import { BASE, createTenant, joinTokenFor } from "../helpers/relay";

useTestClock();

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

async function beacon(tenantLimiter: RateLimit, tenantId: string, ip: string, body: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/v1/collect/${tenantId}`, {
      method: "POST",
      headers: { origin: "https://shop.example", "content-type": "text/plain", "cf-connecting-ip": ip },
      body: JSON.stringify(body),
    }),
    { ...env, BEACON_TENANT_RL: tenantLimiter } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("a tenant's beacon budget is spent only by beacons that prove they are the tenant's", () => {
  it("forged beacons (no valid join token) from many addresses do not spend it: a shopper's signed beacon still gets 204", async () => {
    await createTenant("rl-beacon-forged", { allowedOrigins: ["https://shop.example"] });
    const limiter = countingLimiter(5);
    for (let i = 0; i < 10; i++) {
      const res = await beacon(limiter, "rl-beacon-forged", `198.51.100.${i + 1}`, {
        joinKey: `jk-forged-${i}`,
        joinToken: "v1.9999999999.forged",
        consent: { meta: "granted" },
      });
      expect(res.status).toBe(401);
    }
    const joinKey = "jk-real";
    const good = await beacon(limiter, "rl-beacon-forged", "198.51.100.200", {
      joinKey,
      joinToken: await joinTokenFor("rl-beacon-forged", joinKey),
      consent: { meta: "granted" },
    });
    expect(good.status).toBe(204);
  }, 180_000);

  it("beacons naming an unknown tenant spend no tenant budget", async () => {
    const limiter = countingLimiter(5);
    const res = await beacon(limiter, "no-such-tenant-beacon", "198.51.100.201", { joinKey: "jk", consent: { meta: "granted" } });
    expect(res.status).toBe(403);
    expect(limiter.keys).toEqual([]);
  }, 180_000);
});
