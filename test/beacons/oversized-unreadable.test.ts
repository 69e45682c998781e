import { describe, expect, it } from "vitest";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { tcString } from "../consent/fixtures";

useMsw();
useTestClock();

/**
 * A beacon whose consent cannot be read makes the verdict ambiguous, which never grants. When that
 * beacon is too large to be stored with the join key's earlier ones (413 beacon_too_large), what it
 * made unreadable must still hold for the webhooks that come after it, as it holds for those
 * already waiting: the earlier grant does not go out on it.
 */
describe("an oversized beacon whose consent cannot be read", () => {
  it("a later webhook under the join key is not sent on the earlier beacon's grant", async () => {
    await createTenant("big-unreadable");
    expect(
      (await admin("PUT", "/tenants/big-unreadable/destinations/google-dm", dataManagerPut("big-unreadable", DM_SETTINGS))).status,
    ).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const granting = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    expect(
      (await sendBeacon("big-unreadable", { joinKey: "k-big", consent: { tcf: { tcString: granting, gdprApplies: true } } })).status,
    ).toBe(204);
    // Unreadable, and too large to be stored beside the first beacon.
    const big = await sendBeacon("big-unreadable", {
      joinKey: "k-big",
      consent: { tcf: { tcString: "C".repeat(4000), gdprApplies: true } },
    });
    expect(big.status).toBe(413);

    const hook = await sendWebhook(
      "big-unreadable",
      googlePurchase("o-big", { consent: undefined, joinKey: "k-big", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("big-unreadable");
    const deliveries = (await admin("GET", `/tenants/big-unreadable/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "blocked", reason: "consent_malformed" });
    expect(google.callsTo("google-dm")).toHaveLength(0);
  });

  it("a later readable beacon that fits settles it", async () => {
    await createTenant("big-settled");
    expect(
      (await admin("PUT", "/tenants/big-settled/destinations/google-dm", dataManagerPut("big-settled", DM_SETTINGS))).status,
    ).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const first = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    await sendBeacon("big-settled", { joinKey: "k-settled", consent: { tcf: { tcString: first, gdprApplies: true } } });
    expect(
      (await sendBeacon("big-settled", { joinKey: "k-settled", consent: { tcf: { tcString: "C".repeat(4000), gdprApplies: true } } }))
        .status,
    ).toBe(413);
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    expect(
      (await sendBeacon("big-settled", { joinKey: "k-settled", consent: { tcf: { tcString: newer, gdprApplies: true } } })).status,
    ).toBe(204);
    const hook = await sendWebhook(
      "big-settled",
      googlePurchase("o-settled", { consent: undefined, joinKey: "k-settled", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    await runAlarm("big-settled");
    const deliveries = (await admin("GET", `/tenants/big-settled/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(google.callsTo("google-dm")).toHaveLength(1);
  });
});
