import { describe, expect, it } from "vitest";
import { now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { tcString } from "../consent/fixtures";

useMsw();
useTestClock();

const DAY = "2026-03-06T00:00:00Z";

describe("a tie of two granting TC strings that decide differently, then a strictly newer grant", () => {
  it("the newer string stands: Google is sent (the conflict was no refusal, so it does not stick)", async () => {
    const tenant = "tcf-tie-two-grants";
    await createTenant(tenant);
    expect((await admin("PUT", `/tenants/${tenant}/destinations/google-dm`, dataManagerPut(tenant, DM_SETTINGS))).status).toBeLessThan(300);
    const google = useGoogleEmulators(now);
    const beacon = (tc: string) => sendBeacon(tenant, { joinKey: "k-two", consent: { tcf: { tcString: tc, gdprApplies: true } } });
    expect((await beacon(tcString({ lastUpdated: DAY }))).status).toBe(204);
    // Same day, still a grant to Google (purposes 1 and 7), but without personalisation (3, 4).
    expect((await beacon(tcString({ lastUpdated: DAY, purposes: [1, 7, 9] }))).status).toBe(204);
    expect((await beacon(tcString({ lastUpdated: "2026-03-10T00:00:00Z" }))).status).toBe(204);
    const hook = await sendWebhook(
      tenant,
      googlePurchase("o-k-two", { consent: undefined, joinKey: "k-two", occurredAt: new Date(now() - 60_000).toISOString() }),
    );
    expect(hook.status).toBe(202);
    await runAlarm(tenant);
    const deliveries = (await admin("GET", `/tenants/${tenant}/events/${hook.json.id}`)).json.deliveries as any[];
    expect(deliveries.find((d) => d.destinationId === "google-dm")).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(google.callsTo("google-dm")).toHaveLength(1);
  });
});
