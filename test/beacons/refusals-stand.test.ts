import { runInDurableObject } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { advance, useTestClock } from "../helpers/clock";
import { server, useMsw } from "../helpers/msw";
import { admin, createTenant, purchase, relay, relayRows, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];
const noConsent = (orderId: string, joinKey: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });

/** The Meta stand-in: what it accepted; while `down` it answers Graph's transient error (code 2). */
function metaStandIn(): { sent: any[]; down: boolean } {
  const meta = { sent: [] as any[], down: false };
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const body = (await request.json()) as any;
      if (meta.down)
        return HttpResponse.json({ error: { code: 2, message: "Service temporarily unavailable", is_transient: true } }, { status: 503 });
      meta.sent.push(...body.data);
      return HttpResponse.json({ events_received: body.data.length, messages: [] });
    }),
  );
  return meta;
}

describe("a refusal is never lost", () => {
  it("a denial in a beacon refused for size still stops the retrying delivery it takes back, and sticks", async () => {
    await createTenant("rs-big");
    const meta = metaStandIn();
    // A grant in a beacon that takes half of the 4 KiB a join key may hold.
    const page = { url: `https://shop.example/checkout?cart=${"a".repeat(1900)}` };
    expect((await sendBeacon("rs-big", { joinKey: "k-big", consent: { meta: "granted" }, page })).status).toBe(204);
    meta.down = true;
    const hook = await sendWebhook("rs-big", noConsent("o-big", "k-big"));
    await runAlarm("rs-big");
    expect(await delivery("rs-big", hook.json.id)).toMatchObject({ status: "pending", decision: "send" });

    // The user refuses; with the earlier beacon, this one would exceed 4 KiB.
    const long = (c: string) => c.repeat(500);
    const clickIds = { gclid: long("g"), gbraid: long("b"), wbraid: long("w"), fbclid: long("f") };
    const denial = await sendBeacon("rs-big", { joinKey: "k-big", consent: { meta: "denied" }, clickIds });
    expect(denial.status).toBe(413);
    meta.down = false;
    advance(3_600_000);
    await runAlarm("rs-big");
    expect(meta.sent).toEqual([]);
    expect(await delivery("rs-big", hook.json.id)).toMatchObject({ status: "suppressed" });
    // And a later order under the checkout is not sent on the earlier grant either.
    const later = await sendWebhook("rs-big", noConsent("o-big-2", "k-big"));
    await runAlarm("rs-big");
    expect(await delivery("rs-big", later.json.id)).toMatchObject({ decision: "blocked", reason: "meta_denied" });
    expect(meta.sent).toEqual([]);
  });

  it("a denial in a beacon refused by the tenant's beacon limit still stops the delivery its webhook granted", async () => {
    await createTenant("rs-cap");
    const meta = metaStandIn();
    meta.down = true;
    const hook = await sendWebhook("rs-cap", purchase("o-cap", { joinKey: "k-cap", consent: { meta: "granted" } }));
    await runAlarm("rs-cap");
    await runInDurableObject(relay("rs-cap"), (_i, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO beacons (join_hash, body, received_at, expires_at) SELECT 'filler' || i, '{}', 0, 9e15 FROM n`,
      );
    });
    const denial = await sendBeacon("rs-cap", { joinKey: "k-cap", consent: { meta: "denied" } });
    expect(denial.status).toBe(429);
    meta.down = false;
    advance(3_600_000);
    await runAlarm("rs-cap");
    expect(meta.sent).toEqual([]);
    expect(await delivery("rs-cap", hook.json.id)).toMatchObject({ status: "suppressed" });
  });

  it("a beacon whose consent for Meta cannot be read stops the delivery a webhook granted: ambiguity blocks", async () => {
    await createTenant("rs-amb");
    const meta = metaStandIn();
    meta.down = true;
    const hook = await sendWebhook("rs-amb", purchase("o-amb", { joinKey: "k-amb", consent: { meta: "granted" } }));
    await runAlarm("rs-amb");
    expect(await delivery("rs-amb", hook.json.id)).toMatchObject({ status: "pending", decision: "send" });
    expect((await sendBeacon("rs-amb", { joinKey: "k-amb", consent: { meta: "no" } })).status).toBe(204);
    meta.down = false;
    advance(3_600_000);
    await runAlarm("rs-amb");
    expect(meta.sent).toEqual([]);
    expect(await delivery("rs-amb", hook.json.id)).toMatchObject({ status: "suppressed", reason: "consent_malformed" });
  });

  it("a webhook's own denial sticks for its checkout: a later grant under the join key does not send its next order", async () => {
    await createTenant("rs-hook");
    const meta = metaStandIn();
    const denied = await sendWebhook("rs-hook", purchase("o-h1", { joinKey: "k-h", consent: { meta: "denied" } }));
    expect(await delivery("rs-hook", denied.json.id)).toMatchObject({ decision: "blocked", reason: "meta_denied" });
    await sendBeacon("rs-hook", { joinKey: "k-h", consent: { meta: "granted" } });
    const next = await sendWebhook("rs-hook", noConsent("o-h2", "k-h"));
    await runAlarm("rs-hook");
    expect(await delivery("rs-hook", next.json.id)).toMatchObject({ decision: "blocked", reason: "meta_denied" });
    expect(meta.sent).toEqual([]);
    expect((await relayRows("rs-hook")).consentDenials).toEqual([expect.objectContaining({ scope: expect.stringMatching(/^join:/) })]);
  });
});

describe("what a beacon left undecided waits for the next one", () => {
  it("a webhook after a beacon that says nothing about Meta holds Meta, and the consent beacon that follows sends it", async () => {
    await createTenant("rs-hold");
    const meta = metaStandIn();
    // The snippet's checkout beacon: click ids, no consent for Meta yet.
    await sendBeacon("rs-hold", { joinKey: "k-hold", clickIds: { fbp: "fb.1.1767000000000.7" } });
    const hook = await sendWebhook("rs-hold", noConsent("o-hold", "k-hold"));
    expect(await delivery("rs-hold", hook.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent" });
    await runAlarm("rs-hold");
    expect(meta.sent).toEqual([]);

    await sendBeacon("rs-hold", { joinKey: "k-hold", consent: { meta: "granted" } });
    await runAlarm("rs-hold");
    expect(meta.sent.map((e) => [e.event_id, e.user_data.fbp])).toEqual([["o-hold", "fb.1.1767000000000.7"]]);
  });

  it("what stays undecided when the hold ends is blocked, never sent", async () => {
    await createTenant("rs-hold-end");
    const meta = metaStandIn();
    await sendBeacon("rs-hold-end", { joinKey: "k-he", clickIds: { fbp: "fb.1.1767000000000.8" } });
    const hook = await sendWebhook("rs-hold-end", noConsent("o-he", "k-he"));
    advance(2 * 3_600_000);
    await runAlarm("rs-hold-end");
    expect(await delivery("rs-hold-end", hook.json.id)).toMatchObject({ status: "blocked" });
    expect(meta.sent).toEqual([]);
  });

  it("a webhook that came before the click-id beacon still waits for the consent beacon after it", async () => {
    await createTenant("rs-hold-first");
    const meta = metaStandIn();
    const hook = await sendWebhook("rs-hold-first", noConsent("o-hf", "k-hf"));
    await sendBeacon("rs-hold-first", { joinKey: "k-hf", clickIds: { fbp: "fb.1.1767000000000.9" } });
    expect(await delivery("rs-hold-first", hook.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent" });
    await sendBeacon("rs-hold-first", { joinKey: "k-hf", consent: { meta: "granted" } });
    await runAlarm("rs-hold-first");
    expect(meta.sent.map((e) => [e.event_id, e.user_data.fbp])).toEqual([["o-hf", "fb.1.1767000000000.9"]]);
  });
});
