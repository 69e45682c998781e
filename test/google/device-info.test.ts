import { beforeEach, describe, expect, it } from "vitest";
import { clearGoogleTokenCacheForTesting } from "../../src/destinations/google/oauth";
import { now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, runAlarm, sendWebhook } from "../helpers/relay";
import { createGoogleTenant, DM_SETTINGS, googlePurchase, useGoogleEmulators } from "./helpers";

// Data Manager events carry the checkout's device (eventDeviceInfo) where consent allows:
// https://developers.google.com/data-manager/api/reference/rest/v1/DeviceInfo

useMsw();
useTestClock();
beforeEach(() => clearGoogleTokenCacheForTesting());

const purchase = (orderId: string, overrides: Record<string, unknown> = {}) =>
  googlePurchase(orderId, { occurredAt: new Date(now() - 60_000).toISOString(), ...overrides });

async function ingestOf(tenant: string, body: unknown) {
  const google = useGoogleEmulators(now);
  const { json } = await sendWebhook(tenant, body);
  await runAlarm(tenant);
  const [ingest] = google.callsTo("google-dm").filter((c) => c.url.endsWith("events:ingest"));
  const delivery = (await admin("GET", `/tenants/${tenant}/events/${json.id}`)).json.deliveries[0];
  return { event: ingest!.body.events[0], status: ingest!.status, response: ingest!.response, delivery };
}

describe("google_data_manager: eventDeviceInfo", () => {
  it("a tenant whose users are outside the EEA/UK/CH: the user agent and the IP address, accepted by the emulator", async () => {
    await createGoogleTenant("dm-device-us", { dm: DM_SETTINGS }, { userRegion: "other" });
    const { event, status, response, delivery } = await ingestOf("dm-device-us", purchase("dev-1"));
    expect(event.eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0", ipAddress: "203.0.113.7" });
    expect(status).toBe(200);
    expect(response.requestId).toEqual(expect.any(String));
    expect(delivery).toMatchObject({ status: "processing" });
  });

  it("users who may be in the EEA/UK/CH (the default region): the user agent only, never the IP", async () => {
    await createGoogleTenant("dm-device-auto", { dm: DM_SETTINGS });
    const { event } = await ingestOf("dm-device-auto", purchase("dev-2"));
    expect(event.eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0" });
    expect(JSON.stringify(event)).not.toContain("203.0.113.7");
  });

  it("denied-flag mode: no device info at all", async () => {
    await createGoogleTenant("dm-device-denied", { dm: DM_SETTINGS }, { userRegion: "other", googleOnDenied: "send_denied_flag" });
    const { event, delivery } = await ingestOf("dm-device-denied", purchase("dev-3", { consent: { gcm: { ad_user_data: "denied" } } }));
    expect(delivery).toMatchObject({ decision: "send_denied_flag" });
    expect(event).not.toHaveProperty("eventDeviceInfo");
    expect(JSON.stringify(event)).not.toMatch(/203\.0\.113\.7|Mozilla/);
  });
});
