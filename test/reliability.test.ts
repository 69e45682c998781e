import { http, HttpResponse } from "msw";
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advance, now, T0, useTestClock } from "./helpers/clock";
import { server, useMsw } from "./helpers/msw";
import { ADS_SETTINGS, useGoogleEmulators } from "./google/helpers";
import { admin, alarmAt, createTenant, purchase, relayRows, runAlarm, sendWebhook, deliveryOf, runAlarmsFor } from "./helpers/relay";

useMsw();
useTestClock();

type MetaAnswer = (events: any[]) => Response;
const ok: MetaAnswer = (events) => HttpResponse.json({ events_received: events.length, messages: [] });
const unavailable: MetaAnswer = () =>
  HttpResponse.json({ error: { code: 2, message: "Service temporarily unavailable", is_transient: true } }, { status: 503 });

/** A Meta stand-in whose answer can change during the test; records each request's events and time. */
function metaStandIn(answer: MetaAnswer = ok) {
  const state = { answer, requests: [] as Array<{ at: number; ids: string[] }> };
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const { data } = (await request.json()) as { data: any[] };
      state.requests.push({ at: now(), ids: data.map((e) => e.event_id) });
      return state.answer(data);
    }),
  );
  return state;
}

describe("retry schedule in the Durable Object", () => {
  it("honours Retry-After as the earliest next attempt", async () => {
    await createTenant("r-retry-after");
    const meta = metaStandIn(() =>
      HttpResponse.json(
        { error: { code: 4, message: "Application request limit reached" } },
        { status: 429, headers: { "retry-after": "120" } },
      ),
    );
    const res = await sendWebhook("r-retry-after", purchase("ra-1"));
    await runAlarm("r-retry-after");
    meta.answer = ok;
    await runAlarmsFor("r-retry-after", 110_000, 10_000);
    expect(meta.requests).toHaveLength(1);
    await runAlarmsFor("r-retry-after", 20_000, 10_000);
    expect(meta.requests).toHaveLength(2);
    expect(await deliveryOf("r-retry-after", res.json.id)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("sends nothing after 24 h from receipt: the delivery ends expired", async () => {
    await createTenant("r-expire");
    const meta = metaStandIn(unavailable);
    const res = await sendWebhook("r-expire", purchase("ex-1"));
    await runAlarm("r-expire");
    let last: any;
    for (let i = 0; i < 40; i++) {
      last = await deliveryOf("r-expire", res.json.id);
      if (last?.status !== "pending") break;
      advance(Date.parse(last.nextAttemptAt) - now());
      await runAlarm("r-expire");
    }
    expect(last).toMatchObject({ status: "expired", lastError: "meta_2" });
    expect(last.attempts).toBeGreaterThanOrEqual(8);
    expect(meta.requests.every((r) => r.at < T0 + 24 * 3_600_000)).toBe(true);
    expect(meta.requests).toHaveLength(last.attempts);
    // The gaps follow the schedule: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h (±20 %).
    const gaps = meta.requests.slice(1).map((r, i) => r.at - meta.requests[i]!.at);
    // (Each retry is also rounded up to a 5 s slot.)
    [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000].forEach((base, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.2 + 5_000);
    });
  });

  it("a retry that comes due after the window is never sent", async () => {
    await createTenant("r-late");
    const meta = metaStandIn(unavailable);
    await sendWebhook("r-late", purchase("late-1"));
    await runAlarm("r-late");
    advance(25 * 3_600_000); // the alarm was late: the first retry is long overdue
    meta.answer = ok;
    await runAlarm("r-late");
    expect(meta.requests).toHaveLength(1);
    expect((await relayRows("r-late")).events).toEqual([]);
  });

  it("never sends Meta an event older than 7 days", async () => {
    await createTenant("r-old");
    const meta = metaStandIn();
    const res = await sendWebhook("r-old", purchase("old-1", { occurredAt: new Date(now() - 8 * 86_400_000).toISOString() }));
    await runAlarm("r-old");
    expect(meta.requests).toHaveLength(0);
    expect(await deliveryOf("r-old", res.json.id)).toMatchObject({ status: "failed", lastError: "event_too_old" });
  });
});

describe("batch correctness", () => {
  it("splits a Meta batch rejected for one invalid event until the valid ones go through", async () => {
    await createTenant("r-split");
    const meta = metaStandIn((events) =>
      events.some((e) => e.event_id === "bad")
        ? HttpResponse.json(
            { error: { code: 100, error_subcode: 2804001, message: "Invalid parameter", type: "OAuthException" } },
            { status: 400 },
          )
        : ok(events),
    );
    const ids: Record<string, string> = {};
    for (const order of ["good-1", "bad", "good-2", "good-3"]) ids[order] = (await sendWebhook("r-split", purchase(order))).json.id;
    await runAlarm("r-split");
    expect(meta.requests[0]!.ids).toEqual(["good-1", "bad", "good-2", "good-3"]);
    const delivered = meta.requests
      .filter((r) => !r.ids.includes("bad"))
      .flatMap((r) => r.ids)
      .sort();
    expect(delivered).toEqual(["good-1", "good-2", "good-3"]);
    for (const order of ["good-1", "good-2", "good-3"]) expect((await deliveryOf("r-split", ids[order]!)).status).toBe("delivered");
    expect(await deliveryOf("r-split", ids.bad!)).toMatchObject({ status: "failed", lastError: "meta_100_2804001" });
    advance(3_600_000);
    await runAlarm("r-split");
    expect(meta.requests.filter((r) => r.ids.includes("bad")).length).toBe(3);
  });
});

describe("replay", () => {
  it("resends a delivered event with the same event_id within the window, refuses after", async () => {
    await createTenant("r-replay");
    const meta = metaStandIn();
    const res = await sendWebhook("r-replay", purchase("rp-1"));
    const blocked = await sendWebhook("r-replay", purchase("rp-2", { consent: undefined }));
    await runAlarm("r-replay");
    const replay = await admin("POST", `/tenants/r-replay/events/${res.json.id}/replay`);
    expect(replay).toMatchObject({ status: 202, json: { status: "replaying", replayed: 1 } });
    expect((await admin("POST", `/tenants/r-replay/events/${blocked.json.id}/replay`)).json.replayed).toBe(0);
    await runAlarm("r-replay");
    expect(meta.requests.map((r) => r.ids)).toEqual([["rp-1"], ["rp-1"]]);
    expect(await deliveryOf("r-replay", blocked.json.id)).toMatchObject({ status: "blocked" });

    advance(24 * 3_600_000);
    const late = await admin("POST", `/tenants/r-replay/events/${res.json.id}/replay`);
    expect(late.status).toBe(410);
  });
});

describe("isolation between destinations", () => {
  it("with Meta failing for an hour, Google's deliveries keep their normal latency", async () => {
    await createTenant("r-iso");
    const google = useGoogleEmulators(now);
    const oauth = { clientId: "client-iso", clientSecret: "secret-iso", refreshToken: "refresh-iso" };
    const put = await admin("PUT", "/tenants/r-iso/destinations/google", {
      type: "google_ads",
      enabled: true,
      settings: ADS_SETTINGS,
      credentials: { developerToken: "dev-token-1", ...oauth },
    });
    expect(put.status).toBeLessThan(300);
    const meta = metaStandIn(unavailable);

    const ids: string[] = [];
    for (let minute = 0; minute < 60; minute++) {
      const res = await sendWebhook(
        "r-iso",
        purchase(`iso-${minute}`, {
          consent: { meta: "granted", gcm: { ad_user_data: "granted" } },
          clickIds: { gclid: `Cj0KCQiA_iso${minute}` },
        }),
      );
      ids.push(res.json.id);
      await runAlarm("r-iso");
      // Sent in the very run after receipt, however Meta is doing.
      expect(await deliveryOf("r-iso", res.json.id, "google")).toMatchObject({ status: "delivered", attempts: 1 });
      await runAlarmsFor("r-iso", 60_000, 15_000);
    }
    expect(google.callsTo("google-ads")).toHaveLength(60);
    // The breaker paused Meta: far fewer requests than one per event and retry.
    const metaAttempts = meta.requests.length;
    expect(metaAttempts).toBeLessThan(40);

    // Meta recovers: every held Meta delivery goes through within the window, none lost.
    meta.answer = ok;
    await runAlarmsFor("r-iso", 4 * 3_600_000, 5 * 60_000);
    for (const id of ids) expect((await deliveryOf("r-iso", id, "meta")).status).toBe("delivered");
    const metaDelivered = meta.requests.slice(metaAttempts).flatMap((r) => r.ids);
    expect(new Set(metaDelivered).size).toBe(60);
  }, 60_000);
});

describe("a slow destination", () => {
  it("keeps sending in the background while another destination's new events go out at once", async () => {
    await createTenant("r-slow");
    const google = useGoogleEmulators(now);
    await admin("PUT", "/tenants/r-slow/destinations/google", {
      type: "google_ads",
      enabled: true,
      settings: ADS_SETTINGS,
      credentials: { developerToken: "dev-token-1", clientId: "c-slow", clientSecret: "s-slow", refreshToken: "r-slow" },
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const metaIds: string[][] = [];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const { data } = (await request.json()) as { data: any[] };
        metaIds.push(data.map((e) => e.event_id));
        await gate; // Meta hangs until the test lets it answer
        return HttpResponse.json({ events_received: data.length, messages: [] });
      }),
    );
    const both = (order: string) =>
      purchase(order, { consent: { meta: "granted", gcm: { ad_user_data: "granted" } }, clickIds: { gclid: `Cj0KCQiA_${order}` } });

    const first = await sendWebhook("r-slow", both("slow-1"));
    await runAlarm("r-slow"); // returns after its short wait, with Meta still hanging
    expect(await deliveryOf("r-slow", first.json.id, "google")).toMatchObject({ status: "delivered" });
    expect(await deliveryOf("r-slow", first.json.id, "meta")).toMatchObject({ status: "pending", attempts: 0 });

    const second = await sendWebhook("r-slow", both("slow-2"));
    await runAlarm("r-slow");
    expect(await deliveryOf("r-slow", second.json.id, "google")).toMatchObject({ status: "delivered", attempts: 1 });
    expect(metaIds).toEqual([["slow-1"]]); // the busy Meta lane was not started twice

    release();
    // The lane finishes on its own, outside any alarm run: poll (bounded) rather than guess a delay.
    for (let i = 0; i < 100 && (await deliveryOf("r-slow", first.json.id, "meta")).status !== "delivered"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await deliveryOf("r-slow", first.json.id, "meta")).toMatchObject({ status: "delivered", attempts: 1 });
    await runAlarm("r-slow");
    expect(metaIds).toEqual([["slow-1"], ["slow-2"]]);
    expect(google.callsTo("google-ads")).toHaveLength(2);
  }, 20_000);

  it("leaves an alarm behind a busy lane, so work queued behind it survives the object's death", async () => {
    await createTenant("r-slow-death");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const meta = { hanging: true, requests: [] as string[][] };
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const { data } = (await request.json()) as { data: any[] };
        meta.requests.push(data.map((e) => e.event_id));
        if (meta.hanging) await gate; // the request in flight when the object dies
        return HttpResponse.json({ events_received: data.length, messages: [] });
      }),
    );
    const first = await sendWebhook("r-slow-death", purchase("death-1"));
    await runAlarm("r-slow-death"); // Meta's lane is busy with death-1
    const second = await sendWebhook("r-slow-death", purchase("death-2"));
    await runAlarm("r-slow-death"); // death-2 waits behind the busy lane
    expect(meta.requests).toEqual([["death-1"]]);

    // The object dies with its lane (a crash, an eviction, a deploy): only storage is left.
    await abortAllDurableObjects();
    meta.hanging = false;
    release();

    // The alarm left behind wakes the new object within the lease (not at the 24 h purge): the
    // interrupted request goes again under the same event id, and the queued event goes with it.
    const wake = await alarmAt("r-slow-death");
    expect(wake).not.toBeNull();
    expect(wake! - now()).toBeLessThanOrEqual(30_000);
    advance(wake! - now());
    expect(await runAlarm("r-slow-death")).toBe(true);
    expect(meta.requests.slice(1).flat().sort()).toEqual(["death-1", "death-2"]);
    expect(await deliveryOf("r-slow-death", first.json.id)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await deliveryOf("r-slow-death", second.json.id)).toMatchObject({ status: "delivered", attempts: 1 });
  }, 20_000);
});
