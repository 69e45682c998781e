import { describe, expect, it } from "vitest";
import { advance, useTestClock } from "../helpers/clock";
import { metaReceives } from "../helpers/meta";
import { useMsw } from "../helpers/msw";
import { META_TOKEN, admin, createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

const setMeta = (tenant: string, enabled: boolean) =>
  admin("PUT", `/tenants/${tenant}/destinations/meta`, {
    type: "meta",
    enabled,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: META_TOKEN },
  });
const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];

// One consent plan (the tenant's enabled destinations) for ingest, beacons, the end of a consent
// hold and replays: a disabled destination is never decided into a send, whatever decides.
describe("one consent plan everywhere: a disabled destination receives nothing", () => {
  it("an event waiting for consent is closed alike for a destination disabled meanwhile, by a beacon or by the end of the hold", async () => {
    const tenant = "cp-held";
    await createTenant(tenant);
    const sent = metaReceives();
    const byBeacon = await sendWebhook(tenant, purchase("o-beacon", { consent: undefined, joinKey: "k-beacon" }));
    const byHoldEnd = await sendWebhook(tenant, purchase("o-hold", { consent: undefined, joinKey: "k-hold" }));
    expect(await delivery(tenant, byHoldEnd.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent" });
    expect((await setMeta(tenant, false)).status).toBe(200);

    expect((await sendBeacon(tenant, { joinKey: "k-beacon", consent: { meta: "granted" } })).status).toBe(204);
    advance(2 * 60 * 60 * 1000);
    await runAlarm(tenant);

    const closed = { decision: "blocked", reason: "destination_removed", status: "blocked" };
    expect(await delivery(tenant, byBeacon.json.id)).toMatchObject(closed);
    expect(await delivery(tenant, byHoldEnd.json.id)).toMatchObject(closed);
    expect(sent).toHaveLength(0);
  });

  it("a replay resends nothing to a destination the tenant has disabled", async () => {
    const tenant = "cp-replay";
    await createTenant(tenant);
    const sent = metaReceives();
    const hook = await sendWebhook(tenant, purchase("o-replay"));
    await runAlarm(tenant);
    expect(sent.map((e) => e.event_id)).toEqual(["o-replay"]);
    expect((await setMeta(tenant, false)).status).toBe(200);

    const replay = await admin("POST", `/tenants/${tenant}/events/${hook.json.id}/replay`);
    expect(replay).toMatchObject({ status: 202, json: { replayed: 0 } });
    await runAlarm(tenant);
    expect(await delivery(tenant, hook.json.id)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(sent).toHaveLength(1);
  });
});
