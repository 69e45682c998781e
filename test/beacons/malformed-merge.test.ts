import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { metaReceives } from "../helpers/meta";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];
const waiting = (orderId: string, joinKey: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });

/**
 * Issue 9, item 5: "A malformed or unknown value in any consent field makes that destination's
 * verdict ambiguous → blocked"; item 2: "a later beacon that omits a signal keeps the earlier one".
 * An unreadable value is a signal of its own: a later beacon with a different unreadable field
 * must not wash it out.
 */
describe("an unreadable consent value in one beacon is not forgotten by the next", () => {
  it("a later beacon with another malformed field keeps Meta blocked, and Meta receives nothing", async () => {
    await createTenant("mm-keep");
    expect((await admin("PUT", "/tenants/mm-keep/consent-policy", { categoryMap: { marketing: ["meta"] } })).status).toBe(200);
    const sent = metaReceives();

    expect((await sendBeacon("mm-keep", { joinKey: "k3", consent: { meta: "granted", categories: { marketing: "false" } } })).status).toBe(
      204,
    );
    const first = await sendWebhook("mm-keep", waiting("o-mm-1", "k3"));
    expect(await delivery("mm-keep", first.json.id)).toMatchObject({ decision: "blocked", reason: "consent_malformed" });

    expect((await sendBeacon("mm-keep", { joinKey: "k3", consent: { gcm: { ad_user_data: "maybe" } } })).status).toBe(204);
    const second = await sendWebhook("mm-keep", waiting("o-mm-2", "k3"));
    expect(await delivery("mm-keep", second.json.id)).toMatchObject({ decision: "blocked", reason: "consent_malformed" });

    await runAlarm("mm-keep");
    expect(sent).toHaveLength(0);
  });

  it("a later beacon that states the same category readably replaces the mark, and a grant is delivered", async () => {
    await createTenant("mm-fix");
    expect((await admin("PUT", "/tenants/mm-fix/consent-policy", { categoryMap: { marketing: ["meta"] } })).status).toBe(200);
    const sent = metaReceives();
    await sendBeacon("mm-fix", { joinKey: "k4", consent: { meta: "granted", categories: { marketing: "yes" } } });
    await sendBeacon("mm-fix", { joinKey: "k4", consent: { categories: { marketing: true } } });
    const hook = await sendWebhook("mm-fix", waiting("o-mm-3", "k4"));
    expect(await delivery("mm-fix", hook.json.id)).toMatchObject({ decision: "send" });
    await runAlarm("mm-fix");
    expect(sent.map((e) => e.event_id)).toEqual(["o-mm-3"]);
  });
});
