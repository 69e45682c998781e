import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { tenantKey } from "../src/config/tenant-store";
import { advance, now, useTestClock } from "./helpers/clock";
import { metaReceives } from "./helpers/meta";
import { server, useMsw } from "./helpers/msw";
import { admin, createTenant, purchase, relay, relayRows, runAlarm, sendBeacon, sendWebhook } from "./helpers/relay";
import { ADS_SETTINGS, DM_SETTINGS, createGoogleTenant, googlePurchase, useGoogleEmulators } from "./google/helpers";

useMsw();
useTestClock();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every row of every table of the tenant's object, as text: what an auditor would grep. */
function everyRow(tenantId: string): Promise<string> {
  return runInDurableObject(relay(tenantId), (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((t) => t.name);
    return JSON.stringify(Object.fromEntries(tables.map((t) => [t, state.storage.sql.exec(`SELECT * FROM "${t}"`).toArray()])));
  });
}

function rowsOf(tenantId: string, table: string): Promise<Record<string, unknown>[]> {
  return runInDurableObject(relay(tenantId), (_instance, state) => state.storage.sql.exec(`SELECT * FROM ${table}`).toArray());
}

describe("nothing about an event outlives 24 hours after its receipt", () => {
  it("a Data Manager delivery still processing when its event is purged leaves no request row behind", async () => {
    await createGoogleTenant("ret-dm", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const res = await sendWebhook(
      "ret-dm",
      googlePurchase("ret-dm-1", { occurredAt: new Date(now() - 60_000).toISOString(), clickIds: { gclid: "Cj0-ret-dm" } }),
    );
    expect(res.status).toBe(202);
    await runAlarm("ret-dm");
    expect(google.callsTo("google-dm").filter((c) => c.url.endsWith("/v1/events:ingest"))).toHaveLength(1);
    // Google keeps answering PROCESSING for the whole day.
    for (let i = 0; i < 200; i++) {
      google.override("google-dm", () => ({ status: 200, body: { requestStatusPerDestination: [{ requestStatus: "PROCESSING" }] } }));
    }
    for (let t = 0; t <= DAY; t += HOUR) {
      advance(HOUR);
      await runAlarm("ret-dm");
    }
    expect((await relayRows("ret-dm")).events).toEqual([]);
    expect(await rowsOf("ret-dm", "delivery_requests")).toEqual([]);
    expect(await everyRow("ret-dm")).not.toContain(res.json.id);
  });

  it("a click id from a combined beacon is not kept past 24 hours after that beacon came", async () => {
    await createTenant("ret-beacon");
    const sent = metaReceives();
    await sendBeacon("ret-beacon", { joinKey: "k-old", clickIds: { fbp: "fb.1.1767000000000.77" } });
    // Another beacon of the same checkout 23 hours later carries no click id.
    advance(23 * HOUR);
    await sendBeacon("ret-beacon", { joinKey: "k-old", consent: { meta: "granted" } });
    advance(HOUR + 1_000);
    await runAlarm("ret-beacon");
    expect(await everyRow("ret-beacon")).not.toContain("fb.1.1767000000000.77");

    // An order of that checkout now is not sent with the click id of the day before.
    const hook = await sendWebhook("ret-beacon", purchase("ret-beacon-1", { joinKey: "k-old", clickIds: {} }));
    expect(hook.status).toBe(202);
    await runAlarm("ret-beacon");
    expect(sent.map((e) => e.event_id)).toEqual(["ret-beacon-1"]);
    expect(sent[0].user_data.fbp).toBeUndefined();
  });

  it("a refusal recorded for one event goes with the event", async () => {
    await createTenant("ret-denial");
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", () =>
        HttpResponse.json({ error: { code: 2, message: "Service temporarily unavailable", is_transient: true } }, { status: 503 }),
      ),
    );
    const first = await sendWebhook("ret-denial", purchase("ret-denial-1"));
    await runAlarm("ret-denial");
    // The platform redelivers the order 20 hours later, now with the buyer's refusal.
    advance(20 * HOUR);
    const again = await sendWebhook("ret-denial", purchase("ret-denial-1", { consent: { meta: "denied" } }));
    expect(again.json).toMatchObject({ status: "duplicate", id: first.json.id });
    expect(JSON.stringify((await relayRows("ret-denial")).consentDenials)).toContain(first.json.id);

    advance(4 * HOUR + 1_000);
    await runAlarm("ret-denial");
    expect((await relayRows("ret-denial")).events).toEqual([]);
    expect(await everyRow("ret-denial")).not.toContain(first.json.id);
  });

  it("the purge runs even when the tenant's config cannot be read in that alarm", async () => {
    await createTenant("ret-kv");
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", () =>
        HttpResponse.json({ error: { code: 2, message: "Service temporarily unavailable", is_transient: true } }, { status: 503 }),
      ),
    );
    const res = await sendWebhook("ret-kv", purchase("ret-kv-1"));
    await runAlarm("ret-kv");
    // A read that fails (here: a value that is not JSON) in every alarm from now on.
    await env.CONFIG.put(tenantKey("ret-kv"), "{not json");
    advance(DAY + 1_000);
    await runAlarm("ret-kv");
    expect((await relayRows("ret-kv")).events).toEqual([]);
    expect(await everyRow("ret-kv")).not.toContain(res.json.id);
  });
});

describe("nothing is sent after 24 hours from receipt", () => {
  it("a batch read just before the window closes is not sent once it has closed while the lane waited for its token", async () => {
    await createGoogleTenant("ret-late", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    let tokenAsked!: () => void;
    const asked = new Promise<void>((resolve) => (tokenAsked = resolve));
    let answerToken!: () => void;
    const answered = new Promise<void>((resolve) => (answerToken = resolve));
    server.use(
      http.post("https://oauth.test/token", async () => {
        tokenAsked();
        await answered;
        // No answer here: the emulator's handler answers it.
        return undefined;
      }),
    );
    const res = await sendWebhook("ret-late", googlePurchase("ret-late-1", { occurredAt: new Date(now() - 60_000).toISOString() }));
    expect(res.status).toBe(202);
    // The first run comes one second before the event's 24 hours end; the token takes two.
    advance(DAY - 1_000);
    const run = runAlarm("ret-late");
    await asked;
    advance(2_000);
    answerToken();
    await run;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runAlarm("ret-late");
    expect(google.callsTo("google-ads")).toEqual([]);
  });
});

describe("exactly once when an answer is lost", () => {
  it("a Google Ads upload whose answer is lost after Google recorded it is resent under the same orderId and counts as delivered once", async () => {
    await createGoogleTenant("ret-lost", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    let lost = 0;
    server.use(
      http.post(/^https:\/\/googleads\.test\//, async ({ request }) => {
        if (lost > 0) return undefined;
        lost++;
        // Google takes the upload; the connection drops before its answer arrives.
        const url = new URL(request.url);
        google.apis.ads.handle(
          {
            method: "POST",
            path: url.pathname,
            query: {},
            headers: Object.fromEntries(request.headers),
            contentType: "application/json",
            body: await request.json(),
          },
          { now },
        );
        return HttpResponse.error();
      }),
    );
    const res = await sendWebhook("ret-lost", googlePurchase("ret-lost-1", { occurredAt: new Date(now() - 60_000).toISOString() }));
    await runAlarm("ret-lost");
    expect(lost).toBe(1);
    for (let i = 0; i < 6; i++) {
      advance(60_000);
      await runAlarm("ret-lost");
    }
    const uploads = google.callsTo("google-ads");
    expect(uploads).toHaveLength(1);
    expect((uploads[0]!.body as any).conversions.map((c: any) => c.orderId)).toEqual(["ret-lost-1"]);
    expect(JSON.stringify(uploads[0]!.response)).toContain("ORDER_ID_ALREADY_IN_USE");
    const detail = await admin("GET", `/tenants/ret-lost/events/${res.json.id}`);
    expect(detail.json.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("raw captures go with their events", () => {
  it("a capture whose delete failed in the purge run is deleted by a later run", async () => {
    await createTenant("ret-r2");
    expect((await admin("PATCH", "/tenants/ret-r2", { rawCapture: true })).status).toBe(200);
    server.use(http.post("https://meta.test/:v/:p/events", () => HttpResponse.json({ events_received: 1 })));
    const res = await sendWebhook("ret-r2", purchase("ret-r2-1"));
    await runAlarm("ret-r2");
    const key = `ret-r2/raw/${res.json.id}`;
    expect((await env.EVENTS.list({ prefix: "ret-r2/" })).objects.map((o) => o.key)).toEqual([key]);
    // R2 fails the deletes of the purge run (an outage), then recovers.
    const restore = await runInDurableObject(relay("ret-r2"), (instance) => {
      const objectEnv = (instance as unknown as { env: Env }).env;
      const bucket = objectEnv.EVENTS;
      Object.defineProperty(objectEnv, "EVENTS", {
        configurable: true,
        value: new Proxy(bucket, {
          get: (target, prop) =>
            prop === "delete" ? () => Promise.reject(new Error("R2 unavailable")) : (target as any)[prop].bind(target),
        }),
      });
      return () => Object.defineProperty(objectEnv, "EVENTS", { configurable: true, value: bucket });
    });
    advance(DAY + 1_000);
    await runAlarm("ret-r2");
    await runInDurableObject(relay("ret-r2"), () => restore());
    advance(60_000);
    await runAlarm("ret-r2");
    expect((await env.EVENTS.list({ prefix: "ret-r2/" })).objects).toEqual([]);
  });
});
