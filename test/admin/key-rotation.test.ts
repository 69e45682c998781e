import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { encryptionKeyId, keyIdOf } from "../../src/config/crypto";
import { decryptDestinationCredentials, decryptSourceSecret, getTenant } from "../../src/config/tenant-store";
import worker from "../../src/index";
import { useTestClock } from "../helpers/clock";
import { server, useMsw } from "../helpers/msw";
import { BASE, joinTokenFor, META_TOKEN, purchase, runAlarm, sendWebhook } from "../helpers/relay";
import { signStandard, TEST_WHSEC } from "../helpers/standard-webhooks";
import { clock } from "../../src/platform/clock";
import { SECRETS, fixtures, sign } from "../sources/helpers";
import { call, createTenant as createAdminTenant, uniqueId } from "./helpers";

useMsw();
useTestClock();

/**
 * The test relay runs mid-rotation: ENCRYPTION_KEY is the new key and ENCRYPTION_KEY_PREVIOUS the
 * old one (vitest.config.ts). The relay "before the rotation" is the same Worker with only the old
 * key; "after the clean-up" is the same Worker with the previous key removed.
 */
const OLD = env.ENCRYPTION_KEY_PREVIOUS!;
const beforeRotation = { ...env, ENCRYPTION_KEY: OLD, ENCRYPTION_KEY_PREVIOUS: "" };
const afterCleanup = { ...env, ENCRYPTION_KEY_PREVIOUS: "" };

async function fetchWith(relayEnv: Env, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await worker.fetch(new Request(`${BASE}${path}`, { method, ...init }), relayEnv, createExecutionContext());
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}

const OPERATOR = { authorization: "Bearer test-admin-token", "content-type": "application/json" };

/** A tenant written entirely by the relay that only knew the old key. */
async function seedUnderOldKey(id: string) {
  const admin = (method: string, path: string, body?: unknown) =>
    fetchWith(beforeRotation, method, `/v1/admin${path}`, { headers: OPERATOR, ...(body !== undefined && { body: JSON.stringify(body) }) });
  expect(
    (await admin("POST", "/tenants", { id, name: id, region: "global", defaultCountry: "US", allowedOrigins: ["https://shop.example"] }))
      .status,
  ).toBe(201);
  expect((await admin("PUT", `/tenants/${id}/sources/shop`, { type: "standard", secret: TEST_WHSEC })).status).toBe(201);
  expect((await admin("PUT", `/tenants/${id}/sources/shopify`, { type: "shopify", secret: SECRETS.shopify })).status).toBe(201);
  const meta = await admin("PUT", `/tenants/${id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: META_TOKEN },
  });
  expect(meta.status).toBe(201);
  const beaconKey = (await admin("POST", `/tenants/${id}/beacon-key`)).json.beaconKey as string;
  const stored = (await getTenant(env, id))!;
  const oldId = await encryptionKeyId(OLD);
  expect(
    [stored.sources.shop!.secret, stored.sources.shopify!.secret, stored.destinations.meta!.credentials, stored.beaconKeys![0]!.key].map(
      (v) => keyIdOf(v!),
    ),
  ).toEqual([oldId, oldId, oldId, oldId]);
  return { beaconKey };
}

function metaReceives() {
  const tokens: string[] = [];
  server.use(
    http.post("https://meta.test/:v/:pixel/events", ({ request }) => {
      tokens.push(request.headers.get("authorization") ?? "");
      return HttpResponse.json({ events_received: 1, messages: [] });
    }),
  );
  return tokens;
}

async function shopifyWebhook(relayEnv: Env, id: string, orderId: number) {
  const order = fixtures.shopifyPaid();
  order.id = orderId;
  // Within the accepted time range (the last 90 days) of the test clock.
  order.created_at = order.processed_at = new Date(clock.now() - 60_000).toISOString();
  const body = JSON.stringify(order);
  return fetchWith(relayEnv, "POST", `/v1/hooks/${id}/shopify`, {
    body,
    headers: await sign.shopify(body, { webhookId: `wh-${orderId}` }),
  });
}

describe("rotating ENCRYPTION_KEY", () => {
  it("a relay restarted with the new key verifies every source, reaches every destination, and re-encrypts everything", async () => {
    const id = uniqueId("rot");
    const { beaconKey } = await seedUnderOldKey(id);
    const meta = metaReceives();

    // Restarted with ENCRYPTION_KEY = new, ENCRYPTION_KEY_PREVIOUS = old.
    expect((await sendWebhook(id, purchase("order-rot-1"))).status).toBe(202);
    expect((await shopifyWebhook(env, id, 820982911946154)).status).toBe(202);
    const beacon = await fetchWith(env, "POST", `/v1/collect/${id}`, {
      headers: { origin: "https://shop.example", "content-type": "text/plain" },
      body: JSON.stringify({
        joinKey: "sj_rot",
        joinToken: await joinTokenFor(id, "sj_rot", { key: beaconKey }),
        consent: { meta: "granted" },
      }),
    });
    expect(beacon.status).toBe(204);
    await runAlarm(id);
    expect(meta.length).toBeGreaterThanOrEqual(1);
    expect(new Set(meta)).toEqual(new Set([`Bearer ${META_TOKEN}`]));

    // Rewrite every secret under the new key.
    const tenantKey = await call("POST", "/reencrypt", { token: (await createAdminTenant(uniqueId("rot-other"))).apiKey });
    expect(tenantKey.status).toBe(403);
    let page = await call("POST", "/reencrypt?limit=100");
    const rewritten = { sourceSecrets: 0, sourceCredentials: 0, destinationCredentials: 0, beaconKeys: 0 };
    for (;;) {
      expect(page.status).toBe(200);
      expect(page.json.unreadable).toEqual([]);
      for (const k of Object.keys(rewritten) as Array<keyof typeof rewritten>) rewritten[k] += page.json.rewritten[k];
      if (!page.json.next) break;
      page = await call("POST", `/reencrypt?limit=100&after=${page.json.next}`);
    }
    expect(page.json.keyId).toBe(await encryptionKeyId(env.ENCRYPTION_KEY));
    expect(rewritten.sourceSecrets).toBeGreaterThanOrEqual(2);
    expect(rewritten.destinationCredentials).toBeGreaterThanOrEqual(1);
    expect(rewritten.beaconKeys).toBeGreaterThanOrEqual(1);
    expect(page.text).not.toContain(TEST_WHSEC);

    const stored = (await getTenant(env, id))!;
    const newId = await encryptionKeyId(env.ENCRYPTION_KEY);
    expect(
      [stored.sources.shop!.secret, stored.sources.shopify!.secret, stored.destinations.meta!.credentials, stored.beaconKeys![0]!.key].map(
        (v) => keyIdOf(v!),
      ),
    ).toEqual([newId, newId, newId, newId]);
    const audit = await call("GET", `/tenants/${id}/audit?limit=1`);
    expect(audit.json.entries[0]).toMatchObject({ action: "tenant.reencrypt", actor: "operator" });

    // The previous key removed: everything still opens.
    expect(await decryptSourceSecret(afterCleanup, stored, "shop")).toBe(TEST_WHSEC);
    expect(await decryptDestinationCredentials(afterCleanup, stored, "meta")).toEqual({ accessToken: META_TOKEN });
    const raw = JSON.stringify(purchase("order-rot-2"));
    const signed = await signStandard(raw, { timestamp: Math.floor(clock.now() / 1000) });
    expect((await fetchWith(afterCleanup, "POST", `/v1/hooks/${id}/shop`, { body: raw, headers: signed })).status).toBe(202);
    const again = await call("POST", `/reencrypt?limit=100`);
    expect(Object.values(again.json.rewritten as Record<string, number>).every((n) => n === 0)).toBe(true);
  });

  it("without the previous key, a secret under the old key no longer opens (why the re-encryption comes first)", async () => {
    const id = uniqueId("rot-early");
    await seedUnderOldKey(id);
    const stored = (await getTenant(env, id))!;
    await expect(decryptSourceSecret(afterCleanup, stored, "shop")).rejects.toThrow();
    expect(await decryptSourceSecret(env, stored, "shop")).toBe(TEST_WHSEC);
  });

  it("a secret kept in clear after its first decryption is served only under the same operator keys and ciphertext", async () => {
    const id = uniqueId("rot-kept");
    await seedUnderOldKey(id);
    const stored = (await getTenant(env, id))!;
    // Opened once with both keys: kept on this config object.
    expect(await decryptSourceSecret(env, stored, "shop")).toBe(TEST_WHSEC);
    expect(await decryptSourceSecret(env, stored, "shop")).toBe(TEST_WHSEC);
    // The previous key removed: the kept copy is not served; the old ciphertext does not open.
    await expect(decryptSourceSecret(afterCleanup, stored, "shop")).rejects.toThrow();
    // A changed ciphertext on the same object is decrypted again, not answered from the copy.
    const shop = stored.sources.shop!;
    shop.secret = `${shop.secret.slice(0, -4)}${shop.secret.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    await expect(decryptSourceSecret(env, stored, "shop")).rejects.toThrow();
  });
});
