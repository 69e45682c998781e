import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { advance, now, useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import {
  admin,
  api,
  createTenant,
  CUSTOMER,
  META_TOKEN,
  purchase,
  relayRows,
  runAlarm,
  sendWebhook,
  deliveryOf,
  runAlarmsFor,
} from "../../helpers/relay";

useMsw();
useTestClock();

const HOUR = 3_600_000;
const NEW_TOKEN = "EAAB-the-new-meta-access-token";

type MetaAnswer = (events: any[], token: string) => Response;
const ok: MetaAnswer = (events) => HttpResponse.json({ events_received: events.length, messages: [], fbtrace_id: "AbC" });
/** Graph's answer to an expired or revoked token (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
const expiredToken = () =>
  HttpResponse.json(
    {
      error: {
        message: "Error validating access token: Session has expired.",
        type: "OAuthException",
        code: 190,
        error_subcode: 463,
        fbtrace_id: "AbC",
      },
    },
    { status: 400 },
  );
/** Graph's answer to a pixel id that does not exist or the token may not use. */
const unknownPixel = () =>
  HttpResponse.json(
    {
      error: {
        message:
          "Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
        type: "GraphMethodException",
        code: 100,
        error_subcode: 33,
        fbtrace_id: "AbC",
      },
    },
    { status: 400 },
  );

/** A Meta stand-in whose answer can change; records each request's token, pixel and event ids. */
function metaStandIn(answer: MetaAnswer = ok) {
  const state = { answer, requests: [] as Array<{ at: number; token: string; pixel: string; ids: string[] }> };
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request, params }) => {
      const { data } = (await request.json()) as { data: any[] };
      const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      state.requests.push({ at: now(), token, pixel: String(params.pixelId), ids: data.map((e) => e.event_id) });
      return state.answer(data, token);
    }),
  );
  return state;
}

const putMeta = (tenant: string, body: Record<string, unknown> = {}) =>
  admin("PUT", `/tenants/${tenant}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
    ...body,
  });

describe("held lanes: a credential error keeps the queue", () => {
  it("Meta 190: deliveries stay queued, the lane needs attention, a PUT with a new token delivers every one once", async () => {
    const tenant = "h-190";
    await createTenant(tenant);
    const meta = metaStandIn((events, token) => (token === NEW_TOKEN ? ok(events, token) : expiredToken()));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await sendWebhook(tenant, purchase(`tok-${i}`))).json.id);
    await runAlarm(tenant);
    expect(meta.requests).toHaveLength(1);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "pending", lastError: "meta_190_463" });

    const dest = await admin("GET", `/tenants/${tenant}/destinations/meta`);
    expect(dest.json.lane).toMatchObject({ state: "needs_attention", code: "meta_190_463", nextProbeAt: expect.any(String) });
    expect(dest.json.lane.message).toMatch(/new Conversions API access token/);
    // Neither the token, the pixel id nor Meta's own words (which may quote ids) are shown.
    expect(dest.text).not.toContain(META_TOKEN);
    expect(JSON.stringify(dest.json.lane)).not.toMatch(/1234567890|Session has expired/);
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json;
    expect(stats.destinations.meta.lane).toMatchObject({ state: "needs_attention", code: "meta_190_463" });
    expect(stats.destinations.meta.failed).toBe(0);

    // New events while held wait too; nothing more goes out within the hour.
    ids.push((await sendWebhook(tenant, purchase("tok-5"))).json.id);
    await runAlarmsFor(tenant, 50 * 60_000, 5 * 60_000);
    expect(meta.requests).toHaveLength(1);

    // The hourly probe: one delivery, still refused.
    await runAlarmsFor(tenant, 15 * 60_000, 5 * 60_000);
    expect(meta.requests).toHaveLength(2);
    expect(meta.requests[1]!.ids).toHaveLength(1);

    const put = await putMeta(tenant, { credentials: { accessToken: NEW_TOKEN } });
    expect(put.status).toBe(200);
    expect(put.json.lane).toMatchObject({ state: "retrying" });
    await runAlarm(tenant);
    await runAlarm(tenant);
    const sent = meta.requests.slice(2);
    expect(sent.every((r) => r.token === NEW_TOKEN)).toBe(true);
    expect(sent.flatMap((r) => r.ids).sort()).toEqual(["tok-0", "tok-1", "tok-2", "tok-3", "tok-4", "tok-5"]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered" });
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toEqual({ state: "ok" });
    const after = (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations.meta;
    expect(after).toMatchObject({ delivered: 6, failed: 0, lane: { state: "ok" } });
  });

  it("a probe that goes through resumes the lane without a PUT (the token was fixed at Meta)", async () => {
    const tenant = "h-probe";
    await createTenant(tenant);
    const meta = metaStandIn(() => expiredToken());
    const a = (await sendWebhook(tenant, purchase("pr-1"))).json.id;
    const b = (await sendWebhook(tenant, purchase("pr-2"))).json.id;
    await runAlarm(tenant);
    meta.answer = ok;
    advance(HOUR + 60_000);
    await runAlarm(tenant); // the probe: one delivery
    expect(meta.requests.map((r) => r.ids.length)).toEqual([2, 1]);
    await runAlarm(tenant); // the rest, at once
    expect(meta.requests).toHaveLength(3);
    expect(await deliveryOf(tenant, a)).toMatchObject({ status: "delivered" });
    expect(await deliveryOf(tenant, b)).toMatchObject({ status: "delivered" });
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toEqual({ state: "ok" });
  });

  it("held deliveries still expire at 24 h, probed at most once an hour", async () => {
    const tenant = "h-expire";
    await createTenant(tenant);
    const meta = metaStandIn(() => expiredToken());
    const id = (await sendWebhook(tenant, purchase("ex-1"))).json.id;
    await runAlarm(tenant);
    await runAlarmsFor(tenant, 23 * HOUR + 30 * 60_000, 30 * 60_000);
    const last = await deliveryOf(tenant, id);
    expect(last).toMatchObject({ status: "pending", lastError: "meta_190_463" });
    await runAlarmsFor(tenant, 40 * 60_000, 10 * 60_000);
    expect((await relayRows(tenant)).deliveries).toEqual([]); // expired, then purged with its event
    expect(meta.requests.length).toBeLessThanOrEqual(25);
    const gaps = meta.requests.slice(1).map((r, i) => r.at - meta.requests[i]!.at);
    expect(gaps.every((g) => g >= HOUR)).toBe(true);
  }, 60_000);

  it("a wrong pixel id (100/33) holds the lane after one request, not a split into ~2,000", async () => {
    const tenant = "h-pixel";
    await createTenant(tenant);
    await putMeta(tenant, { settings: { pixelId: "999", apiVersion: "v25.0", actionSource: "website" } });
    const meta = metaStandIn(() => unknownPixel());
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await sendWebhook(tenant, purchase(`px-${i}`));
      expect(res.status).toBe(202);
      ids.push(res.json.id);
    }
    await runAlarm(tenant);
    expect(meta.requests).toHaveLength(1);
    const lane = (await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane;
    expect(lane).toMatchObject({ state: "needs_attention", code: "meta_100_33" });
    expect(lane.message).toMatch(/pixel id/);
    expect(lane.message).not.toContain("999");
    for (const id of ids) expect((await deliveryOf(tenant, id)).status).toBe("pending");

    // The tenant corrects the pixel id: everything goes to the right pixel, once.
    meta.answer = (events, _t) => ok(events, _t);
    expect((await putMeta(tenant)).status).toBe(200);
    await runAlarm(tenant);
    const resent = meta.requests.slice(1);
    expect(resent.every((r) => r.pixel === "1234567890")).toBe(true);
    expect(resent.flatMap((r) => r.ids)).toHaveLength(20);
    for (const id of ids) expect((await deliveryOf(tenant, id)).status).toBe("delivered");
  }, 30_000);
});

describe("destination replay", () => {
  it("resends the destination's failed deliveries within 24 h, re-checking suppressions; answers the count", async () => {
    const tenant = "h-replay";
    const { apiKey } = await createTenant(tenant);
    // An old deployment failed these for good on a permission error.
    const meta = metaStandIn(() =>
      HttpResponse.json(
        { error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 2804001 } },
        { status: 400 },
      ),
    );
    const kept = (await sendWebhook(tenant, purchase("rp-1", { customer: { ...CUSTOMER, email: "kept@example.com" } }))).json.id;
    await runAlarm(tenant);
    const withdrawnId = (await sendWebhook(tenant, purchase("rp-2"))).json.id;
    await runAlarm(tenant);
    expect(await deliveryOf(tenant, kept)).toMatchObject({ status: "failed" });
    expect(await deliveryOf(tenant, withdrawnId)).toMatchObject({ status: "failed" });
    const withdrawal = await api(`/v1/consent/${tenant}/withdraw`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ email: CUSTOMER.email }),
    });
    expect(withdrawal.status).toBe(200);

    meta.answer = ok;
    const before = meta.requests.length;
    const replay = await admin("POST", `/tenants/${tenant}/destinations/meta/replay`);
    expect(replay).toMatchObject({ status: 200, json: { replayed: 1 } });
    await runAlarm(tenant);
    expect(meta.requests.slice(before).flatMap((r) => r.ids)).toEqual(["rp-1"]);
    expect(await deliveryOf(tenant, kept)).toMatchObject({ status: "delivered" });
    expect(await deliveryOf(tenant, withdrawnId)).toMatchObject({ status: "failed" });

    // Nothing left to replay; after 24 h nothing is resent.
    expect((await admin("POST", `/tenants/${tenant}/destinations/meta/replay`)).json).toEqual({ replayed: 0 });
    expect((await admin("POST", `/tenants/${tenant}/destinations/nope/replay`)).status).toBe(404);
  });
});
