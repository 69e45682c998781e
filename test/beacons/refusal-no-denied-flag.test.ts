import { describe, expect, it } from "vitest";
import { advance, now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { gppString } from "../consent/fixtures";

useMsw();
useTestClock();

/**
 * A refusal recorded for a join key blocks what it blocked, also when a later signal would send
 * Google's denied flag: the denied flag stands in for an `ad_user_data` denial only, and a US
 * opt-out (IAB GPP US National, https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/tree/main/Sections)
 * or a refused CMP category forbids sharing the conversion at all, click id included.
 */
async function googleTenant(id: string, categoryMap?: Record<string, string[]>) {
  await createTenant(id);
  expect((await admin("PUT", `/tenants/${id}/destinations/google-dm`, dataManagerPut(id, DM_SETTINGS))).status).toBeLessThan(300);
  const policy = { googleOnDenied: "send_denied_flag", ...(categoryMap ? { categoryMap } : {}) };
  expect((await admin("PUT", `/tenants/${id}/consent-policy`, policy)).status).toBeLessThan(300);
}

const googleDelivery = async (tenant: string, id: string) =>
  ((await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries as any[]).find((d) => d.destinationId === "google-dm");

const userDenial = { gcm: { ad_user_data: "denied" } };

describe("a sticky refusal is not turned into Google's denied flag", () => {
  it("a US opt-out in an earlier beacon: a later beacon without it does not send the click id to Google", async () => {
    await googleTenant("rf-usnat");
    const google = useGoogleEmulators(now);
    const optOut = gppString("usnat", { SaleOptOut: 1, SaleOptOutNotice: 1 });
    const noOptOut = gppString("usnat", { SaleOptOut: 2, SaleOptOutNotice: 1 });
    expect(
      (await sendBeacon("rf-usnat", { joinKey: "k-us", consent: { gpp: { gppString: optOut, applicableSections: [7] } } })).status,
    ).toBe(204);
    expect(
      (await sendBeacon("rf-usnat", { joinKey: "k-us", consent: { ...userDenial, gpp: { gppString: noOptOut, applicableSections: [7] } } }))
        .status,
    ).toBe(204);
    const hook = await sendWebhook(
      "rf-usnat",
      googlePurchase("o-us", { consent: undefined, joinKey: "k-us", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    expect(hook.status).toBe(202);
    await runAlarm("rf-usnat");
    expect(await googleDelivery("rf-usnat", hook.json.id)).toMatchObject({ decision: "blocked", reason: "us_opt_out" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("an ad_user_data denial recorded first, a US opt-out after it: the opt-out is what stands, not the denied flag", async () => {
    await googleTenant("rf-order");
    const google = useGoogleEmulators(now);
    const optOut = gppString("usnat", { SaleOptOut: 1, SaleOptOutNotice: 1 });
    const noOptOut = gppString("usnat", { SaleOptOut: 2, SaleOptOutNotice: 1 });
    await sendBeacon("rf-order", { joinKey: "k-order", consent: userDenial });
    await sendBeacon("rf-order", { joinKey: "k-order", consent: { ...userDenial, gpp: { gppString: optOut, applicableSections: [7] } } });
    await sendBeacon("rf-order", { joinKey: "k-order", consent: { ...userDenial, gpp: { gppString: noOptOut, applicableSections: [7] } } });
    const hook = await sendWebhook(
      "rf-order",
      googlePurchase("o-order", { consent: undefined, joinKey: "k-order", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("rf-order");
    expect(await googleDelivery("rf-order", hook.json.id)).toMatchObject({ decision: "blocked", reason: "us_opt_out" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("a refused category mapped to Google: a later beacon granting it with an ad_user_data denial sends nothing", async () => {
    await googleTenant("rf-cat", { marketing: ["google-dm"] });
    const google = useGoogleEmulators(now);
    await sendBeacon("rf-cat", { joinKey: "k-cat", consent: { categories: { marketing: false } } });
    await sendBeacon("rf-cat", { joinKey: "k-cat", consent: { ...userDenial, categories: { marketing: true } } });
    const hook = await sendWebhook(
      "rf-cat",
      googlePurchase("o-cat", { consent: undefined, joinKey: "k-cat", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("rf-cat");
    expect(await googleDelivery("rf-cat", hook.json.id)).toMatchObject({ decision: "blocked", reason: "category_denied" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("the user's own ad_user_data denial keeps the denied flag the tenant elected", async () => {
    await googleTenant("rf-flag");
    const google = useGoogleEmulators(now);
    await sendBeacon("rf-flag", { joinKey: "k-flag", consent: userDenial });
    const hook = await sendWebhook(
      "rf-flag",
      googlePurchase("o-flag", { consent: undefined, joinKey: "k-flag", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("rf-flag");
    expect(await googleDelivery("rf-flag", hook.json.id)).toMatchObject({
      decision: "send_denied_flag",
      reason: "gcm_ad_user_data_denied",
    });
    const [ingest] = google.callsTo("google-dm");
    expect(ingest!.body.events[0].consent).toEqual({ adUserData: "CONSENT_DENIED" });
    expect(ingest!.body.events[0]).not.toHaveProperty("userData");
  });
});

describe("a replay sends what consent allows now, not what the first send was allowed", () => {
  it("a conversion sent in full, then the user denies ad_user_data: its replay goes with the denied flag and no identifiers", async () => {
    await googleTenant("rf-replay");
    const google = useGoogleEmulators(now);
    const granted = { gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" } };
    await sendBeacon("rf-replay", { joinKey: "k-replay", consent: granted });
    const hook = await sendWebhook(
      "rf-replay",
      googlePurchase("o-replay", { consent: undefined, joinKey: "k-replay", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("rf-replay");
    advance(61_000); // Google's asynchronous outcome: the status poll
    await runAlarm("rf-replay");
    expect(await googleDelivery("rf-replay", hook.json.id)).toMatchObject({ decision: "send", status: "delivered" });
    const ingests = () => google.callsTo("google-dm").filter((c) => c.url.includes("events:ingest"));
    expect(ingests()[0]!.body.events[0]).toHaveProperty("userData");

    await sendBeacon("rf-replay", { joinKey: "k-replay", consent: userDenial });
    expect((await admin("POST", `/tenants/rf-replay/events/${hook.json.id}/replay`)).json).toMatchObject({ replayed: 1 });
    await runAlarm("rf-replay");
    const resent = ingests().slice(1);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.body.events[0].consent).toEqual({ adUserData: "CONSENT_DENIED" });
    expect(resent[0]!.body.events[0]).not.toHaveProperty("userData");
    expect(await googleDelivery("rf-replay", hook.json.id)).toMatchObject({
      decision: "send_denied_flag",
      reason: "gcm_ad_user_data_denied",
    });
  });
});
