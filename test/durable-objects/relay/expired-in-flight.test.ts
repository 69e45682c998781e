import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { advance, useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, relayRows, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const DAY = 24 * 3_600_000;

/**
 * `expired` counts deliveries that never went out in their 24 hours. A request that left inside
 * the window and is still on the wire when a run reaches the 24 hours was sent: its answer decides
 * what it counts as, and one delivery is never counted both delivered and expired.
 */
describe("a delivery in flight when its event reaches 24 hours", () => {
  it("is counted once, by its answer: delivered, not also expired", async () => {
    const tenant = "exp-in-flight";
    await createTenant(tenant);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let requests = 0;
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const { data } = (await request.json()) as { data: unknown[] };
        requests++;
        await gate; // Meta answers only once the window has closed
        return HttpResponse.json({ events_received: data.length, messages: [] });
      }),
    );
    expect((await sendWebhook(tenant, purchase("in-flight-1"))).status).toBe(202);
    // The first run comes late (an alarm can): the request leaves 5 s before the 24 hours end.
    advance(DAY - 5_000);
    await runAlarm(tenant); // returns after its short wait, with the request still on the wire
    expect(requests).toBe(1);

    advance(6_000); // a second past the 24 hours, within the request's 10 s timeout
    await runAlarm(tenant); // the event is purged
    expect((await relayRows(tenant)).events).toEqual([]);

    release();
    const stats = async () => (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations.meta ?? {};
    // The lane records the answer on its own, outside any alarm run: poll, bounded.
    for (let i = 0; i < 100 && !(await stats()).delivered; i++) await new Promise((r) => setTimeout(r, 20));
    expect(requests).toBe(1);
    expect(await stats()).toMatchObject({ delivered: 1, expired: 0 });
  }, 20_000);
});
