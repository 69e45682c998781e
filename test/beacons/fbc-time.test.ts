import { describe, expect, it } from "vitest";
import { advance, now, useTestClock } from "../helpers/clock";
import { metaReceives } from "../helpers/meta";
import { useMsw } from "../helpers/msw";
import { createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

const waiting = (orderId: string, joinKey: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });

// Meta's fbc is fb.1.<time the fbclid was first observed>.<fbclid>:
// https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/
describe("an fbc built from a beacon's fbclid", () => {
  it("carries the time the beacon first brought the fbclid, not the purchase's", async () => {
    await createTenant("fbc-time");
    const sent = metaReceives();
    const clickedAt = now();
    const beacon = { joinKey: "chk-fbc", consent: { meta: "granted" }, clickIds: { fbclid: "IwAR-first" } };
    expect((await sendBeacon("fbc-time", beacon)).status).toBe(204);
    advance(30 * 60_000);
    // The same fbclid again later keeps its first-seen time.
    expect((await sendBeacon("fbc-time", beacon)).status).toBe(204);
    advance(5 * 60_000);
    const order = waiting("o-fbc", "chk-fbc");
    expect((await sendWebhook("fbc-time", order)).status).toBe(202);
    await runAlarm("fbc-time");
    expect(sent.map((e) => e.user_data.fbc)).toEqual([`fb.1.${clickedAt}.IwAR-first`]);
    expect(clickedAt).not.toBe(Date.parse(order.occurredAt));
  });

  it("a new fbclid in a later beacon is timed when that beacon came", async () => {
    await createTenant("fbc-new");
    const sent = metaReceives();
    await sendBeacon("fbc-new", { joinKey: "chk-2", consent: { meta: "granted" }, clickIds: { fbclid: "IwAR-old" } });
    advance(10 * 60_000);
    const secondAt = now();
    await sendBeacon("fbc-new", { joinKey: "chk-2", clickIds: { fbclid: "IwAR-new" } });
    advance(5 * 60_000);
    await sendWebhook("fbc-new", waiting("o-new", "chk-2"));
    await runAlarm("fbc-new");
    expect(sent.map((e) => e.user_data.fbc)).toEqual([`fb.1.${secondAt}.IwAR-new`]);
  });

  it("the webhook's own fbclid keeps the conversion time", async () => {
    await createTenant("fbc-own");
    const sent = metaReceives();
    await sendBeacon("fbc-own", { joinKey: "chk-3", consent: { meta: "granted" }, clickIds: { fbclid: "IwAR-beacon" } });
    advance(20 * 60_000);
    const order = purchase("o-own", { consent: undefined, joinKey: "chk-3", clickIds: { fbclid: "IwAR-hook" } });
    await sendWebhook("fbc-own", order);
    await runAlarm("fbc-own");
    expect(sent.map((e) => e.user_data.fbc)).toEqual([`fb.1.${Date.parse(order.occurredAt)}.IwAR-hook`]);
  });
});
