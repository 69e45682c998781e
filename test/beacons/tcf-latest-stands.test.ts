import { describe, expect, it } from "vitest";
import { now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { tcString } from "../consent/fixtures";

useMsw();
useTestClock();

/**
 * Beacons of one join key may arrive out of the order their TC strings were made (a second tab, a
 * cached string). The string with the latest `LastUpdated` is the user's current choice (TC string
 * format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md),
 * not the one that came last.
 */
describe("TC strings across beacons: the latest LastUpdated stands", () => {
  it("an older granting string arriving after a newer one that does not disclose vendor 755 sends nothing to Google", async () => {
    await createTenant("tcf-latest");
    expect(
      (await admin("PUT", "/tenants/tcf-latest/destinations/google-dm", dataManagerPut("tcf-latest", DM_SETTINGS))).status,
    ).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] });
    const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    await sendBeacon("tcf-latest", { joinKey: "k-tcf", consent: { tcf: { tcString: newer, gdprApplies: true } } });
    await sendBeacon("tcf-latest", { joinKey: "k-tcf", consent: { tcf: { tcString: older, gdprApplies: true } } });
    const hook = await sendWebhook(
      "tcf-latest",
      googlePurchase("o-tcf", { consent: undefined, joinKey: "k-tcf", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("tcf-latest");
    const deliveries = (await admin("GET", `/tenants/tcf-latest/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({
      decision: "blocked",
      reason: "tcf_vendor_755_not_disclosed",
    });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("a newer string arriving later replaces the older one", async () => {
    await createTenant("tcf-newer");
    expect((await admin("PUT", "/tenants/tcf-newer/destinations/google-dm", dataManagerPut("tcf-newer", DM_SETTINGS))).status).toBeLessThan(
      300,
    );
    const google = useGoogleEmulators(now);
    const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z", disclosed: [1] });
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    await sendBeacon("tcf-newer", { joinKey: "k-new", consent: { tcf: { tcString: older, gdprApplies: true } } });
    await sendBeacon("tcf-newer", { joinKey: "k-new", consent: { tcf: { tcString: newer, gdprApplies: true } } });
    const hook = await sendWebhook(
      "tcf-newer",
      googlePurchase("o-new", { consent: undefined, joinKey: "k-new", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("tcf-newer");
    const deliveries = (await admin("GET", `/tenants/tcf-newer/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(google.callsTo("google-dm")).toHaveLength(1);
  });
});

describe("TC strings across beacons: an unreadable later string is not dropped", () => {
  it("a granting string, then an unreadable one (the CMP's current state unknown), sends nothing to Google", async () => {
    await createTenant("tcf-garbled");
    expect(
      (await admin("PUT", "/tenants/tcf-garbled/destinations/google-dm", dataManagerPut("tcf-garbled", DM_SETTINGS))).status,
    ).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const granting = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    await sendBeacon("tcf-garbled", { joinKey: "k-garbled", consent: { tcf: { tcString: granting, gdprApplies: true } } });
    await sendBeacon("tcf-garbled", { joinKey: "k-garbled", consent: { tcf: { tcString: "not-a-tc-string", gdprApplies: true } } });
    const hook = await sendWebhook(
      "tcf-garbled",
      googlePurchase("o-garbled", { consent: undefined, joinKey: "k-garbled", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("tcf-garbled");
    const deliveries = (await admin("GET", `/tenants/tcf-garbled/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });
});

describe("TC strings across beacons: a stale string does not stand in for an unreadable one", () => {
  it("a newer string, an unreadable one, then a string older than the first: the stale grant is not sent to Google", async () => {
    await createTenant("tcf-stale");
    expect((await admin("PUT", "/tenants/tcf-stale/destinations/google-dm", dataManagerPut("tcf-stale", DM_SETTINGS))).status).toBeLessThan(
      300,
    );
    const google = useGoogleEmulators(now);
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] });
    const staleGrant = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    for (const tc of [newer, "not-a-tc-string", staleGrant]) {
      await sendBeacon("tcf-stale", { joinKey: "k-stale", consent: { tcf: { tcString: tc, gdprApplies: true } } });
    }
    const hook = await sendWebhook(
      "tcf-stale",
      googlePurchase("o-stale", { consent: undefined, joinKey: "k-stale", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("tcf-stale");
    const deliveries = (await admin("GET", `/tenants/tcf-stale/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("after an unreadable string, one newer than every string seen stands", async () => {
    await createTenant("tcf-recovered");
    expect(
      (await admin("PUT", "/tenants/tcf-recovered/destinations/google-dm", dataManagerPut("tcf-recovered", DM_SETTINGS))).status,
    ).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const first = tcString({ lastUpdated: "2026-03-06T00:00:00Z", disclosed: [1] });
    const newest = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    for (const tc of [first, "not-a-tc-string", newest]) {
      await sendBeacon("tcf-recovered", { joinKey: "k-recovered", consent: { tcf: { tcString: tc, gdprApplies: true } } });
    }
    const hook = await sendWebhook(
      "tcf-recovered",
      googlePurchase("o-recovered", { consent: undefined, joinKey: "k-recovered", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("tcf-recovered");
    const deliveries = (await admin("GET", `/tenants/tcf-recovered/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(google.callsTo("google-dm")).toHaveLength(1);
  });
});
