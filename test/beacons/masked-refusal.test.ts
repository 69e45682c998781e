import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { metaReceives } from "../helpers/meta";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { gppString } from "../consent/fixtures";

useMsw();
useTestClock();

const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];
const waiting = (orderId: string, joinKey: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });

describe("a refusal beside an unreadable value still sticks", () => {
  it("meta denied with an unreadable mapped category, then a readable grant: Meta is never sent", async () => {
    await createTenant("mr-cat");
    expect((await admin("PUT", "/tenants/mr-cat/consent-policy", { categoryMap: { marketing: ["meta"] } })).status).toBe(200);
    const sent = metaReceives();
    expect((await sendBeacon("mr-cat", { joinKey: "k1", consent: { meta: "denied", categories: { marketing: "maybe" } } })).status).toBe(
      204,
    );
    expect((await sendBeacon("mr-cat", { joinKey: "k1", consent: { meta: "granted", categories: { marketing: true } } })).status).toBe(204);
    const hook = await sendWebhook("mr-cat", waiting("o-mr-1", "k1"));
    expect(await delivery("mr-cat", hook.json.id)).toMatchObject({ decision: "blocked" });
    await runAlarm("mr-cat");
    expect(sent).toHaveLength(0);
  });

  it("meta denied with an unreadable GPP string, then a grant with a readable one: Meta is never sent", async () => {
    await createTenant("mr-gpp");
    const sent = metaReceives();
    expect((await sendBeacon("mr-gpp", { joinKey: "k2", consent: { meta: "denied", gpp: { gppString: "garbage~x" } } })).status).toBe(204);
    const ok = gppString("usnat", { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 });
    expect(
      (await sendBeacon("mr-gpp", { joinKey: "k2", consent: { meta: "granted", gpp: { gppString: ok, applicableSections: [7] } } })).status,
    ).toBe(204);
    const hook = await sendWebhook("mr-gpp", waiting("o-mr-2", "k2"));
    expect(await delivery("mr-gpp", hook.json.id)).toMatchObject({ decision: "blocked" });
    await runAlarm("mr-gpp");
    expect(sent).toHaveLength(0);
  });
});
