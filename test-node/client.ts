import { expect } from "vitest";
import { signStandardWebhook } from "../scripts/lib/standard-webhooks.mjs";

/** Sends a request to the relay under test (over HTTP, or Miniflare's dispatchFetch) by path. */
export type RelayFetch = (
  path: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>;

/** JSON calls to the relay as a checkout server and an operator make them; `admin` carries the admin token. */
export function relayClient(send: RelayFetch, adminToken: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await send(path, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, `/v1/admin${path}`, body, { authorization: `Bearer ${adminToken}` });
  return { call, admin };
}

/** Polls `probe` until it returns a value; fails after `timeoutMs`, naming `what` it waited for. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = "a value",
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A tenant with the standard source `shop` (Standard Webhooks `secret`) and a Meta destination
 * `meta`, through the Admin API, each step answered 201. Returns the created tenant's answer.
 */
export async function createStandardTenant(
  admin: ReturnType<typeof relayClient>["admin"],
  tenant: { id: string; name: string; region: string; defaultCountry: string; allowedOrigins?: string[] },
  secret: string,
  meta: { settings: Record<string, unknown>; accessToken: string },
) {
  const created = await admin("POST", "/tenants", tenant);
  expect(created.status).toBe(201);
  expect((await admin("PUT", `/tenants/${tenant.id}/sources/shop`, { type: "standard", secret })).status).toBe(201);
  const dest = await admin("PUT", `/tenants/${tenant.id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { apiVersion: "v25.0", actionSource: "website", ...meta.settings },
    credentials: { accessToken: meta.accessToken },
  });
  expect(dest.status).toBe(201);
  return created;
}

/**
 * A purchase webhook of Sluice's standard source, 30 s old unless `fields` say otherwise, signed
 * with `secret` as Standard Webhooks sign: the raw body and its headers.
 */
export function signedPurchase(secret: string, fields: Record<string, unknown>) {
  const body = JSON.stringify({ type: "purchase", occurredAt: new Date(Date.now() - 30_000).toISOString(), ...fields });
  return { body, headers: signStandardWebhook({ secret, body }) };
}
