import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { clearGoogleTokenCacheForTesting } from "../../../src/destinations/google/oauth";
import { ADS_SETTINGS, createGoogleTenant, googleAdsPut, googlePurchase, useGoogleEmulators } from "../../google/helpers";
import { advance, now, useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

// API versions: the operator's META_API_VERSION / GOOGLE_ADS_API_VERSION (v24.0 / v24 in
// vitest.config.ts) unless a destination pins `apiVersion`; a version the API no longer serves
// holds the lane with a message naming the settings to change.

useMsw();
useTestClock();
beforeEach(() => clearGoogleTokenCacheForTesting());

const { apiVersion: _pinned, ...ADS_UNPINNED } = ADS_SETTINGS;
const META_SETTINGS = { pixelId: "1234567890", actionSource: "website" };

const deliveryOf = async (tenant: string, id: string, destinationId: string) =>
  ((await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries as any[]).find((d) => d.destinationId === destinationId);

/**
 * A Meta stand-in: versions before v22 are retired and answered with Graph's error 2635
 * (https://developers.facebook.com/docs/marketing-api/reference/ad-account/, error codes).
 */
function metaStandIn() {
  const versions: string[] = [];
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request, params }) => {
      const { data } = (await request.json()) as { data: unknown[] };
      versions.push(String(params.version));
      if (Number(String(params.version).slice(1).split(".")[0]) < 22) {
        return HttpResponse.json(
          {
            error: {
              message: "(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version.",
              type: "OAuthException",
              code: 2635,
              fbtrace_id: "AbC",
            },
          },
          { status: 400 },
        );
      }
      return HttpResponse.json({ events_received: data.length, messages: [], fbtrace_id: "AbC" });
    }),
  );
  return versions;
}

describe("Google Ads API version", () => {
  it("a destination without apiVersion stores none and is sent with the operator's GOOGLE_ADS_API_VERSION", async () => {
    const tenant = "v-ads-default";
    await createGoogleTenant(tenant, { ads: ADS_UNPINNED });
    const stored = await admin("GET", `/tenants/${tenant}/destinations/google`);
    expect(stored.json.settings).not.toHaveProperty("apiVersion");

    const google = useGoogleEmulators(now);
    const { json } = await sendWebhook(tenant, googlePurchase("ver-1", { occurredAt: new Date(now() - 60_000).toISOString() }));
    await runAlarm(tenant);
    expect(google.callsTo("google-ads").map((c) => new URL(c.url).pathname)).toEqual(["/v24/customers/1234567890:uploadClickConversions"]);
    expect(await deliveryOf(tenant, json.id, "google")).toMatchObject({ status: "delivered" });
  });

  it("a retired pinned version holds the lane, naming apiVersion and GOOGLE_ADS_API_VERSION; a PUT without the pin resumes it", async () => {
    const tenant = "v-ads-retired";
    await createGoogleTenant(tenant, { ads: { ...ADS_SETTINGS, apiVersion: "v19" } });
    const google = useGoogleEmulators(now);
    const { json } = await sendWebhook(tenant, googlePurchase("ver-2", { occurredAt: new Date(now() - 60_000).toISOString() }));
    await runAlarm(tenant);

    const [first] = google.callsTo("google-ads");
    expect(new URL(first!.url).pathname).toBe("/v19/customers/1234567890:uploadClickConversions");
    expect(first!.status).toBe(404);
    expect(await deliveryOf(tenant, json.id, "google")).toMatchObject({ status: "pending", lastError: "http_404" });
    const lane = (await admin("GET", `/tenants/${tenant}/destinations/google`)).json.lane;
    expect(lane).toMatchObject({ state: "needs_attention", code: "http_404" });
    expect(lane.message).toMatch(/apiVersion/);
    expect(lane.message).toMatch(/GOOGLE_ADS_API_VERSION/);

    advance(10 * 60_000);
    await runAlarm(tenant);
    expect(google.callsTo("google-ads")).toHaveLength(1);

    const put = await admin("PUT", `/tenants/${tenant}/destinations/google`, googleAdsPut(tenant, ADS_UNPINNED));
    expect(put.status).toBe(200);
    expect(put.json.settings).not.toHaveProperty("apiVersion");
    await runAlarm(tenant);
    const uploads = google.callsTo("google-ads");
    expect(uploads.map((c) => new URL(c.url).pathname)).toEqual([
      "/v19/customers/1234567890:uploadClickConversions",
      "/v24/customers/1234567890:uploadClickConversions",
    ]);
    expect(await deliveryOf(tenant, json.id, "google")).toMatchObject({ status: "delivered" });
  });
});

describe("Meta Graph API version", () => {
  it("a destination without apiVersion stores none and is sent with the operator's META_API_VERSION", async () => {
    const tenant = "v-meta-default";
    await createTenant(tenant);
    const put = await admin("PUT", `/tenants/${tenant}/destinations/meta`, { type: "meta", enabled: true, settings: META_SETTINGS });
    expect(put.json.settings).toEqual({ pixelId: "1234567890", actionSource: "website" });
    const versions = metaStandIn();
    const { json } = await sendWebhook(tenant, purchase("mv-1"));
    await runAlarm(tenant);
    expect(versions).toEqual(["v24.0"]);
    expect(await deliveryOf(tenant, json.id, "meta")).toMatchObject({ status: "delivered" });
  });

  it("a retired pinned version (error 2635) holds the lane, naming apiVersion and META_API_VERSION; a PUT without the pin resumes it", async () => {
    const tenant = "v-meta-retired";
    await createTenant(tenant);
    await admin("PUT", `/tenants/${tenant}/destinations/meta`, {
      type: "meta",
      enabled: true,
      settings: { ...META_SETTINGS, apiVersion: "v19.0" },
    });
    const versions = metaStandIn();
    const ids = [(await sendWebhook(tenant, purchase("mv-2"))).json.id, (await sendWebhook(tenant, purchase("mv-3"))).json.id];
    await runAlarm(tenant);
    expect(versions).toEqual(["v19.0"]);
    for (const id of ids) expect(await deliveryOf(tenant, id, "meta")).toMatchObject({ status: "pending", lastError: "meta_2635" });
    const lane = (await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane;
    expect(lane).toMatchObject({ state: "needs_attention", code: "meta_2635" });
    expect(lane.message).toMatch(/apiVersion/);
    expect(lane.message).toMatch(/META_API_VERSION/);

    await admin("PUT", `/tenants/${tenant}/destinations/meta`, { type: "meta", enabled: true, settings: META_SETTINGS });
    await runAlarm(tenant);
    expect(versions).toEqual(["v19.0", "v24.0"]);
    for (const id of ids) expect(await deliveryOf(tenant, id, "meta")).toMatchObject({ status: "delivered" });
  });
});
