import { describe, expect, it } from "vitest";
import { now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { tcString } from "../consent/fixtures";

useMsw();
useTestClock();

/**
 * Beacons of one join key whose TC strings disagree: the string with the latest `LastUpdated`
 * stands (TC string format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md).
 * Two with the same `LastUpdated` cannot be ordered (TCF 2.2 CMPs round it to the day), so when
 * they decide differently neither stands: a conflict, which denies, as it does between the TC
 * strings of one webhook. Which beacon arrived last says nothing about which choice came last.
 */
const DAY = "2026-03-06T00:00:00Z";
const granting = tcString({ lastUpdated: DAY });
const refusing = tcString({ lastUpdated: DAY, purposes: [], purposesLI: [], vendorConsent: false, vendorLI: false });

async function googleTenant(id: string, googleOnDenied?: "send_denied_flag") {
  await createTenant(id);
  expect((await admin("PUT", `/tenants/${id}/destinations/google-dm`, dataManagerPut(id, DM_SETTINGS))).status).toBeLessThan(300);
  if (googleOnDenied) expect((await admin("PUT", `/tenants/${id}/consent-policy`, { googleOnDenied })).status).toBeLessThan(300);
  return useGoogleEmulators(now);
}

const beacon = (tenant: string, joinKey: string, tc: string) =>
  sendBeacon(tenant, { joinKey, consent: { tcf: { tcString: tc, gdprApplies: true } } });

/** A webhook for the join key with no consent of its own, decided on the beacons; its Google delivery. */
async function googleDelivery(tenant: string, joinKey: string) {
  const hook = await sendWebhook(
    tenant,
    googlePurchase(`o-${joinKey}`, { consent: undefined, joinKey, occurredAt: new Date(now() - 60_000).toISOString() }),
  );
  expect(hook.status).toBe(202);
  await runAlarm(tenant);
  const deliveries = (await admin("GET", `/tenants/${tenant}/events/${hook.json.id}`)).json.deliveries as any[];
  return deliveries.find((d) => d.destinationId === "google-dm");
}

describe("TC strings across beacons with equal LastUpdated that disagree: a conflict, which denies", () => {
  for (const [order, first, second] of [
    ["granting first", granting, refusing],
    ["refusing first", refusing, granting],
  ] as const) {
    it(`${order}: Google is blocked as a conflict`, async () => {
      const tenant = `tcf-tie-${order.split(" ")[0]}`;
      const google = await googleTenant(tenant);
      expect((await beacon(tenant, "k-tie", first)).status).toBe(204);
      expect((await beacon(tenant, "k-tie", second)).status).toBe(204);
      expect(await googleDelivery(tenant, "k-tie")).toMatchObject({ decision: "blocked", reason: "consent_conflict" });
      expect(google.callsTo("google-dm")).toHaveLength(0);
    });
  }

  it("a tenant that sends Google's denied flag on a refusal sends nothing on a conflict (no click id upload)", async () => {
    // The denied flag stands in for a refusal someone expressed
    // (https://developers.google.com/google-ads/api/reference/rpc/latest/ClickConversion); a
    // conflict is no such refusal, and between one webhook's strings it blocks outright too.
    const google = await googleTenant("tcf-tie-flag", "send_denied_flag");
    await beacon("tcf-tie-flag", "k-flag", granting);
    await beacon("tcf-tie-flag", "k-flag", refusing);
    expect(await googleDelivery("tcf-tie-flag", "k-flag")).toMatchObject({ decision: "blocked", reason: "consent_conflict" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("the same string twice is one choice, no conflict", async () => {
    const google = await googleTenant("tcf-tie-same");
    await beacon("tcf-tie-same", "k-same", granting);
    await beacon("tcf-tie-same", "k-same", granting);
    expect(await googleDelivery("tcf-tie-same", "k-same")).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(google.callsTo("google-dm")).toHaveLength(1);
  });

  it("an older string arriving after the tie does not settle it", async () => {
    const google = await googleTenant("tcf-tie-older");
    await beacon("tcf-tie-older", "k-older", refusing);
    await beacon("tcf-tie-older", "k-older", granting);
    await beacon("tcf-tie-older", "k-older", tcString({ lastUpdated: "2026-03-01T00:00:00Z" }));
    expect(await googleDelivery("tcf-tie-older", "k-older")).toMatchObject({ decision: "blocked", reason: "consent_conflict" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("a strictly newer string settles the tie: the latest stands", async () => {
    const google = await googleTenant("tcf-tie-newer");
    await beacon("tcf-tie-newer", "k-newer", granting);
    await beacon("tcf-tie-newer", "k-newer", refusing);
    // Newer, and not disclosing vendor 755: its own reason shows it is what stands now.
    await beacon("tcf-tie-newer", "k-newer", tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] }));
    expect(await googleDelivery("tcf-tie-newer", "k-newer")).toMatchObject({
      decision: "blocked",
      reason: "tcf_vendor_755_not_disclosed",
    });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("a refusal in the tie still sticks: a strictly newer granting string does not send", async () => {
    const google = await googleTenant("tcf-tie-sticky");
    await beacon("tcf-tie-sticky", "k-sticky", refusing);
    await beacon("tcf-tie-sticky", "k-sticky", granting);
    await beacon("tcf-tie-sticky", "k-sticky", tcString({ lastUpdated: "2026-03-10T00:00:00Z" }));
    expect(await googleDelivery("tcf-tie-sticky", "k-sticky")).toMatchObject({ decision: "blocked" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });
});
