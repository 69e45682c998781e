import { http, HttpResponse } from "msw";
import { expect } from "vitest";
import { ADS_SETTINGS, DM_SETTINGS, advance, createGoogleTenant, googlePurchase, now, useGoogleEmulators } from "../google/helpers";
import { server } from "../helpers/msw";
import { admin, beaconKeys, runAlarm, sendWebhook } from "../helpers/relay";

/**
 * Shared setup for the refund and cancellation tests: the relay clock an hour ahead of the real
 * one (test/google/helpers.ts: only runAlarm delivers), a tenant with Google Ads, the Data
 * Manager and Meta, the sandbox's Google emulators and a Meta stand-in that records what it
 * receives.
 */
export { advance, now, useClockAhead as useAdjustmentClock } from "../google/helpers";

/** What the Meta stand-in accepted (request bodies); `failNext` requests first get a transient 500. */
export function useMetaRecorder(): unknown[] & { failNext: number } {
  const received = Object.assign([] as unknown[], { failNext: 0 });
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const body = (await request.json()) as { data?: unknown[] };
      if (received.failNext > 0) {
        received.failNext--;
        return HttpResponse.json(
          { error: { message: "An unexpected error has occurred.", type: "OAuthException", code: 2, is_transient: true } },
          { status: 500 },
        );
      }
      received.push(body);
      return HttpResponse.json({ events_received: body.data?.length ?? 0, messages: [], fbtrace_id: "trace" });
    }),
  );
  return received;
}

/** A tenant with the standard source `shop` and destinations `google` (Ads), `google-dm` and `meta`. */
export async function createAdjustmentTenant(id: string, extraSources: Array<[string, unknown]> = []) {
  await createGoogleTenant(id, { ads: ADS_SETTINGS, dm: DM_SETTINGS });
  const meta = await admin("PUT", `/tenants/${id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: "EAAB-meta-token" },
  });
  if (meta.status >= 300) throw new Error(`meta put failed: ${meta.text}`);
  // Beacons from the checkout page: its origin allowed, signed with the tenant's beacon key.
  const patched = await admin("PATCH", `/tenants/${id}`, { allowedOrigins: ["https://shop.example"] });
  if (patched.status >= 300) throw new Error(`tenant patch failed: ${patched.text}`);
  const key = await admin("POST", `/tenants/${id}/beacon-key`);
  if (key.status !== 201) throw new Error(`beacon key failed: ${key.text}`);
  beaconKeys.set(id, key.json.beaconKey);
  for (const [sourceId, body] of extraSources) {
    const res = await admin("PUT", `/tenants/${id}/sources/${sourceId}`, body);
    if (res.status >= 300) throw new Error(`source ${sourceId} put failed: ${res.text}`);
  }
}

/**
 * The sandbox's Google emulators and the Meta stand-in, for one tenant's test; `adjustmentUploads()`
 * and `dmIngests()` pick out the Ads conversion-adjustment uploads and the Data Manager
 * events:ingest requests (conversions and adjustments) Google received; `eventDetail(id)` is the
 * admin API's view of one of the tenant's events.
 */
export function useAdjustmentWorld(tenantId: string) {
  const google = useGoogleEmulators(now);
  return {
    google,
    meta: useMetaRecorder(),
    tenantId,
    adjustmentUploads: () => google.callsTo("google-ads").filter((c) => c.url.endsWith(":uploadConversionAdjustments")),
    dmIngests: () => google.callsTo("google-dm").filter((c) => c.url.endsWith("/v1/events:ingest")),
    eventDetail: (eventId: string) => eventDetail(tenantId, eventId),
  };
}

/** createAdjustmentTenant, then the world it sends to (useAdjustmentWorld). */
export async function createAdjustmentWorld(id: string, extraSources: Array<[string, unknown]> = []) {
  await createAdjustmentTenant(id, extraSources);
  return useAdjustmentWorld(id);
}

/** Sends a standard-source webhook signed at the relay's time. */
export async function sendStandard(tenantId: string, body: unknown) {
  return sendWebhook(tenantId, body, { timestamp: Math.floor(now() / 1000) });
}

/**
 * Delivers what is due, then lets the Data Manager's asynchronous status be read (first poll a
 * minute after the answer), so the original counts as recorded.
 */
export async function deliverAndSettle(tenantId: string): Promise<void> {
  await runAlarm(tenantId);
  advance(61_000);
  await runAlarm(tenantId);
}

async function eventDetail(tenantId: string, eventId: string) {
  const res = await admin("GET", `/tenants/${tenantId}/events/${eventId}`);
  return res.json;
}

export function deliveryTo(detail: { deliveries: Array<{ destinationId: string }> }, destinationId: string): any {
  return detail.deliveries.find((d) => d.destinationId === destinationId);
}

/**
 * Nothing identifying leaves in an adjustment: no hash, no click id (the test gclids start
 * Cj0KCQiA), no e-mail, no name; nor any of the `raw` values.
 */
export function expectNoIdentifiers(bodies: unknown[], raw: string[] = []): void {
  const sent = bodies.flatMap(stringsIn).join(" ");
  expect(sent).not.toMatch(/[0-9a-f]{64}|userIdentifiers|userData|adIdentifiers|gclid|Cj0KCQiA|hashed/i);
  for (const value of raw) expect(sent).not.toContain(value);
}

/** Every string in a JSON value, to check nothing identifying went out. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/** A standard-source refund of `orderId` at the relay's time: full without a `value`, partial with one. */
export function standardRefund(orderId: string, extra: Record<string, unknown> = {}) {
  return { type: "refund", orderId, occurredAt: new Date(now()).toISOString(), ...extra };
}

/** A purchase with Google's ad_user_data and Meta consent. */
export function consentedPurchase(orderId: string, extra: Record<string, unknown> = {}) {
  return googlePurchase(orderId, { consent: { gcm: { ad_user_data: "granted" }, meta: "granted" }, ...extra });
}
