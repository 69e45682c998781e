import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SAMPLE_CUSTOMER, samplePurchase } from "../../scripts/lib/sample-purchase.mjs";
import { mintJoinToken } from "../../src/beacons/join-token";
import { clock } from "../../src/platform/clock";
import { advance } from "./clock";
import { TEST_WHSEC, signStandard } from "./standard-webhooks";

export const ADMIN = { authorization: "Bearer test-admin-token", "content-type": "application/json" };
export const BASE = "http://sluice.test";

export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

export async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) {
  const res = await api(`/v1/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
}

export const META_TOKEN = "EAAB-test-meta-access-token-secret";

/** A tenant with a standard source `shop` and a Meta destination `meta`, through the Admin API. */
export async function createTenant(id: string, opts: { region?: string; defaultCountry?: string; allowedOrigins?: string[] } = {}) {
  const created = await admin("POST", "/tenants", {
    id,
    name: `Tenant ${id}`,
    region: opts.region ?? "global",
    defaultCountry: opts.defaultCountry ?? "US",
    allowedOrigins: opts.allowedOrigins ?? ["https://shop.example"],
  });
  if (created.status !== 201) throw new Error(`tenant create failed: ${created.status} ${created.text}`);
  const source = await admin("PUT", `/tenants/${id}/sources/shop`, { type: "standard", secret: TEST_WHSEC });
  if (source.status >= 300) throw new Error(`source put failed: ${source.status} ${source.text}`);
  const dest = await admin("PUT", `/tenants/${id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: META_TOKEN },
  });
  if (dest.status >= 300) throw new Error(`destination put failed: ${dest.status} ${dest.text}`);
  const key = await admin("POST", `/tenants/${id}/beacon-key`);
  if (key.status !== 201) throw new Error(`beacon key failed: ${key.status} ${key.text}`);
  beaconKeys.set(id, key.json.beaconKey);
  return { apiKey: created.json.apiKey as string, beaconKey: key.json.beaconKey as string };
}

/** Each test tenant's current beacon signing key, as its checkout server would hold it. */
export const beaconKeys = new Map<string, string>();

/** A join token as a checkout server mints it (README "Signed beacons"), valid for an hour. */
export function joinTokenFor(tenantId: string, joinKey: string, opts: { key?: string; exp?: number } = {}): Promise<string> {
  const key = opts.key ?? beaconKeys.get(tenantId);
  if (!key) throw new Error(`no beacon key for ${tenantId}`);
  return mintJoinToken(key, tenantId, joinKey, opts.exp ?? Math.floor(clock.now() / 1000) + 3600);
}

export const CUSTOMER = SAMPLE_CUSTOMER;

export function purchase(orderId: string, overrides: Record<string, unknown> = {}) {
  return { ...samplePurchase(orderId, clock.now()), ...overrides };
}

export async function sendWebhook(tenantId: string, body: unknown, sign: Parameters<typeof signStandard>[1] = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers = await signStandard(raw, { timestamp: Math.floor(clock.now() / 1000), ...sign });
  const res = await api(`/v1/hooks/${tenantId}/shop`, { method: "POST", headers, body: raw });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}

/** POST /v1/consent/:tenantId/withdraw as the operator. */
export async function withdraw(tenantId: string, subject: Record<string, string>) {
  const res = await api(`/v1/consent/${tenantId}/withdraw`, { method: "POST", headers: ADMIN, body: JSON.stringify(subject) });
  return { status: res.status, json: (await res.json()) as any };
}

export function relay(tenantId: string) {
  return env.TENANT_RELAY.getByName(tenantId);
}

/** Runs the tenant's pending alarm (if any) now; returns whether one ran. */
export function runAlarm(tenantId: string): Promise<boolean> {
  return runDurableObjectAlarm(relay(tenantId));
}

/** When the tenant's stored alarm is set for (clock time), or null when none is. */
export function alarmAt(tenantId: string): Promise<number | null> {
  return runInDurableObject(relay(tenantId), (_instance, state) => state.storage.getAlarm());
}

export function relayRows(tenantId: string) {
  return runInDurableObject(relay(tenantId), (_instance, state) => {
    const q = (sql: string) => {
      try {
        return state.storage.sql.exec(sql).toArray();
      } catch {
        return [];
      }
    };
    return {
      events: q("SELECT * FROM events"),
      deliveries: q("SELECT * FROM deliveries"),
      eventSubjects: q("SELECT * FROM event_subjects") as { subject_key: string; event_id: string }[],
      beacons: q("SELECT * FROM beacons"),
      suppressions: q("SELECT * FROM suppressions"),
      consentDenials: q("SELECT * FROM consent_denials"),
      kv: [...state.storage.kv.list()],
    };
  });
}

/**
 * Posts a beacon as a browser would. An object body with a joinKey and no joinToken gets a valid
 * token for the tenant's key (`sign: false` sends it as given).
 */
export async function sendBeacon(tenantId: string, body: unknown, headers: Record<string, string> = {}, sign = true) {
  if (
    sign &&
    body &&
    typeof body === "object" &&
    !("joinToken" in body) &&
    typeof (body as any).joinKey === "string" &&
    beaconKeys.has(tenantId)
  ) {
    body = { ...body, joinToken: await joinTokenFor(tenantId, (body as any).joinKey.trim()) };
  }
  return api(`/v1/collect/${tenantId}`, {
    method: "POST",
    headers: { origin: "https://shop.example", "content-type": "text/plain", "cf-connecting-ip": "198.51.100.9", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * The Meta delivery of a consented event sent on the first attempt, as the admin API shows it; the
 * event's source URL came from the page the buyer was on.
 */
export const META_DELIVERED_FIRST_TRY = {
  destinationId: "meta",
  type: "meta",
  decision: "send",
  reason: "meta_granted",
  status: "delivered",
  attempts: 1,
  eventSourceUrlFrom: "page",
};

/** One destination's delivery of an event, as the admin API shows it. */
export async function deliveryOf(tenantId: string, eventId: string, destinationId = "meta") {
  const detail = (await admin("GET", `/tenants/${tenantId}/events/${eventId}`)).json;
  return (detail.deliveries as any[]).find((d) => d.destinationId === destinationId);
}

/** Runs the tenant's alarm at every moment up to `ms` from now, one simulated `step` at a time. */
export async function runAlarmsFor(tenantId: string, ms: number, step: number): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    advance(step);
    await runAlarm(tenantId);
  }
}

/**
 * Sends one purchase per consent object (order ids `<prefix>-0`, `<prefix>-1`, …), runs the
 * tenant's alarm, and returns each event's delivery to the destination.
 */
export async function deliveriesWithConsent(tenantId: string, destinationId: string, prefix: string, consents: unknown[]) {
  const ids: string[] = [];
  for (const [i, consent] of consents.entries()) ids.push((await sendWebhook(tenantId, purchase(`${prefix}-${i}`, { consent }))).json.id);
  await runAlarm(tenantId);
  return Promise.all(ids.map((id) => deliveryOf(tenantId, id, destinationId)));
}
