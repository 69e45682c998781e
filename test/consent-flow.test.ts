import { describe, expect, it } from "vitest";
import { advance, useTestClock } from "./helpers/clock";
import { useMsw } from "./helpers/msw";
import { CUSTOMER, admin, api, createTenant, purchase, relayRows, runAlarm, sendBeacon, sendWebhook, withdraw } from "./helpers/relay";
import { metaReceives } from "./helpers/meta";

useMsw();
useTestClock();

const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];
const noConsent = (orderId: string, joinKey?: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });

describe("browser beacon and join key", () => {
  it("a beacon then a webhook with the same join key: sent, with the beacon's click ids", async () => {
    await createTenant("t-beacon");
    const sent = metaReceives();
    const beacon = await sendBeacon("t-beacon", {
      joinKey: "checkout-abc",
      consent: { meta: "granted" },
      clickIds: { fbc: "fb.1.1767225000000.FromBeacon", fbp: "fb.1.1767000000000.77" },
      page: { url: "https://shop.example/checkout" },
    });
    expect(beacon.status).toBe(204);
    expect(beacon.headers.get("access-control-allow-origin")).toBe("https://shop.example");

    const res = await sendWebhook("t-beacon", noConsent("o-b1", "checkout-abc"));
    expect(res.status).toBe(202);
    expect(await delivery("t-beacon", res.json.id)).toMatchObject({ decision: "send", reason: "meta_granted", status: "pending" });
    await runAlarm("t-beacon");
    expect(sent).toHaveLength(1);
    expect(sent[0].user_data).toMatchObject({ fbc: "fb.1.1767225000000.FromBeacon", fbp: "fb.1.1767000000000.77" });
  });

  it("a webhook that arrives before its beacon waits, and is decided when the beacon comes", async () => {
    await createTenant("t-early");
    const sent = metaReceives();
    const res = await sendWebhook("t-early", noConsent("o-e1", "checkout-early"));
    expect(await delivery("t-early", res.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent", status: "pending" });
    await runAlarm("t-early");
    advance(30 * 60_000);
    await runAlarm("t-early");
    expect(sent).toHaveLength(0);

    expect((await sendBeacon("t-early", { joinKey: "checkout-early", consent: { meta: "granted" } })).status).toBe(204);
    expect(await delivery("t-early", res.json.id)).toMatchObject({ decision: "send", reason: "meta_granted", status: "pending" });
    await runAlarm("t-early");
    expect(sent.map((e) => e.event_id)).toEqual(["o-e1"]);
  });

  it("a held webhook whose beacon never comes is blocked when the wait ends", async () => {
    await createTenant("t-nobeacon");
    const sent = metaReceives();
    const res = await sendWebhook("t-nobeacon", noConsent("o-n1", "checkout-lost"));
    advance(59 * 60_000);
    await runAlarm("t-nobeacon");
    expect((await delivery("t-nobeacon", res.json.id)).status).toBe("pending");
    advance(2 * 60_000);
    await runAlarm("t-nobeacon");
    expect(await delivery("t-nobeacon", res.json.id)).toMatchObject({ decision: "blocked", reason: "consent_missing", status: "blocked" });
    expect(sent).toHaveLength(0);
  });

  it("a webhook with neither consent nor a join key is blocked at once", async () => {
    await createTenant("t-bare");
    const res = await sendWebhook("t-bare", noConsent("o-bare"));
    expect(await delivery("t-bare", res.json.id)).toMatchObject({ decision: "blocked", reason: "consent_missing", status: "blocked" });
  });

  it("Sec-GPC: 1 on the beacon blocks with us_opt_out", async () => {
    await createTenant("t-gpc");
    await sendBeacon("t-gpc", { joinKey: "k-gpc", consent: { meta: "granted" } }, { "sec-gpc": "1" });
    const res = await sendWebhook("t-gpc", noConsent("o-gpc", "k-gpc"));
    expect(await delivery("t-gpc", res.json.id)).toMatchObject({ decision: "blocked", reason: "us_opt_out" });
  });

  it("a beacon from an origin not on the tenant's list gets no CORS grant and stores nothing", async () => {
    await createTenant("t-origin");
    const res = await sendBeacon("t-origin", { joinKey: "k-o", consent: { meta: "granted" } }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const noOrigin = await api("/v1/collect/t-origin", { method: "POST", body: JSON.stringify({ joinKey: "k-o" }) });
    expect(noOrigin.status).toBe(403);
    expect((await relayRows("t-origin")).events).toEqual([]);
    // The join key found no beacon, so the webhook waits rather than using the rejected one.
    const hook = await sendWebhook("t-origin", noConsent("o-o1", "k-o"));
    expect((await delivery("t-origin", hook.json.id)).reason).toBe("awaiting_consent");

    const preflight = await api("/v1/collect/t-origin", {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const badPreflight = await api("/v1/collect/t-origin", { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(badPreflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a malformed beacon is a 400, a malformed consent string inside it a blocked decision", async () => {
    await createTenant("t-badbeacon");
    expect((await sendBeacon("t-badbeacon", "{nope")).status).toBe(400);
    expect((await sendBeacon("t-badbeacon", { consent: { meta: "granted" } })).status).toBe(400);
    expect((await sendBeacon("t-badbeacon", { joinKey: "k-bad", consent: { tcf: { tcString: "garbage!!" } } })).status).toBe(204);
    const res = await sendWebhook("t-badbeacon", noConsent("o-bad", "k-bad"));
    expect(await delivery("t-badbeacon", res.json.id)).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
  });
});

describe("withdrawal", () => {
  it("a withdrawal while a delivery waits for retry means Meta never receives it", async () => {
    const { apiKey } = await createTenant("t-withdraw");
    const sent = metaReceives(503);
    const res = await sendWebhook("t-withdraw", purchase("o-w1"));
    await runAlarm("t-withdraw");
    expect(await delivery("t-withdraw", res.json.id)).toMatchObject({ status: "pending", attempts: 1 });
    expect(sent).toHaveLength(1);

    const withdrawal = await api("/v1/consent/t-withdraw/withdraw", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ email: CUSTOMER.email.toUpperCase() }),
    });
    expect(withdrawal.status).toBe(200);
    expect(await withdrawal.json()).toEqual({ status: "withdrawn", suppressed: 1, matchedEvents: 1 });

    metaReceives(200);
    for (let i = 0; i < 5; i++) {
      advance(3_600_000);
      await runAlarm("t-withdraw");
    }
    expect(sent).toHaveLength(1);
    expect(await delivery("t-withdraw", res.json.id)).toMatchObject({ status: "suppressed", reason: "withdrawn" });

    // Checked at enqueue too: a later order of the same person is never queued.
    const later = await sendWebhook("t-withdraw", purchase("o-w2"));
    expect(await delivery("t-withdraw", later.json.id)).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    const stats = (await admin("GET", "/tenants/t-withdraw/stats")).json;
    expect(stats.destinations.meta.suppressed).toBe(1);
  });

  it("matches by order id, fbp and a pre-hashed email too", async () => {
    await createTenant("t-withdraw2");
    metaReceives(503);
    const a = await sendWebhook("t-withdraw2", purchase("o-x1", { customer: {} }));
    const b = await sendWebhook("t-withdraw2", purchase("o-x2", { customer: {}, clickIds: { fbp: "fb.1.1.999" } }));
    const c = await sendWebhook("t-withdraw2", purchase("o-x3", { customer: { email: "zed@example.com" } }));
    const emailHash = "b0a7a1b9f5a3d5c2b0fa2a3db3c8c3f0bd06e5f6b0c0a4f56c3a2f5e1e0b1c2d";
    const byOrder = await admin("POST", "/../consent/t-withdraw2/withdraw", { orderId: "o-x1" });
    expect(byOrder.json).toMatchObject({ suppressed: 1 });
    expect((await admin("POST", "/../consent/t-withdraw2/withdraw", { fbp: "fb.1.1.999" })).json).toMatchObject({ suppressed: 1 });
    expect((await admin("POST", "/../consent/t-withdraw2/withdraw", { email: emailHash })).json).toMatchObject({ suppressed: 0 });
    const { sha256Hex } = await import("../src/identity/hash");
    const zed = await sha256Hex("zed@example.com");
    expect((await admin("POST", "/../consent/t-withdraw2/withdraw", { email: zed })).json).toMatchObject({ suppressed: 1 });
    for (const r of [a, b, c]) expect((await delivery("t-withdraw2", r.json.id)).status).toBe("suppressed");
  });

  it("matches a local phone read in the customer's country, the number Meta was given, not the tenant's default", async () => {
    // A German shop selling to a US customer: the webhook's phone has no country code.
    await createTenant("t-withdraw-phone", { defaultCountry: "DE" });
    const sent = metaReceives(503);
    const res = await sendWebhook(
      "t-withdraw-phone",
      purchase("o-ph1", { customer: { phone: "(650) 555-1212", country: "US" }, clickIds: {} }),
    );
    await runAlarm("t-withdraw-phone");
    const { sha256Hex } = await import("../src/identity/hash");
    expect(sent[0].user_data.ph).toEqual([await sha256Hex("16505551212")]);

    // The person names their number in full; and, without a country code, with their country.
    const full = await admin("POST", "/../consent/t-withdraw-phone/withdraw", { phone: "+1 650-555-1212" });
    expect(full.json).toEqual({ status: "withdrawn", suppressed: 1, matchedEvents: 1 });
    const local = await admin("POST", "/../consent/t-withdraw-phone/withdraw", { phone: "650 555 1212", country: "us" });
    expect(local.json).toMatchObject({ status: "withdrawn", matchedEvents: 1 });
    // A country is not an identifier, and only a real ISO code reads a number.
    expect((await admin("POST", "/../consent/t-withdraw-phone/withdraw", { country: "US" })).status).toBe(400);
    expect((await admin("POST", "/../consent/t-withdraw-phone/withdraw", { phone: "650 555 1212", country: "USA" })).status).toBe(400);

    metaReceives(200);
    advance(3_600_000);
    await runAlarm("t-withdraw-phone");
    expect(sent).toHaveLength(1);
    expect(await delivery("t-withdraw-phone", res.json.id)).toMatchObject({ status: "suppressed", reason: "withdrawn" });
  });

  it("matches a click by its id however it was written: an fbc by its fbclid, and every destination's click ids", async () => {
    await createTenant("t-withdraw-click");
    const sent = metaReceives(503);
    // Meta is sent an fbc built from the fbclid; the person's own _fbc cookie has another creation time.
    const byFbclid = await sendWebhook("t-withdraw-click", purchase("o-c1", { clickIds: { fbclid: "IwAR1_click-one" } }));
    const byFbc = await sendWebhook(
      "t-withdraw-click",
      purchase("o-c2", { customer: {}, clickIds: { fbc: "fb.1.1767225000000.IwAR2_two" } }),
    );
    const byTtclid = await sendWebhook("t-withdraw-click", purchase("o-c3", { customer: {}, clickIds: { ttclid: "E.C.P.tt-three" } }));
    await runAlarm("t-withdraw-click");
    expect(sent.map((e: any) => e.user_data.fbc)).toContain(`fb.1.${Date.parse(purchase("o-c1").occurredAt)}.IwAR1_click-one`);

    const withdraw = (subject: Record<string, string>) => admin("POST", "/../consent/t-withdraw-click/withdraw", subject);
    expect((await withdraw({ fbc: "fb.1.1700000000000.IwAR1_click-one" })).json).toMatchObject({ matchedEvents: 1 });
    expect((await withdraw({ fbclid: "IwAR2_two" })).json).toMatchObject({ matchedEvents: 1 });
    expect((await withdraw({ ttclid: "E.C.P.tt-three" })).json).toMatchObject({ matchedEvents: 1 });

    metaReceives(200);
    advance(3_600_000);
    await runAlarm("t-withdraw-click");
    for (const res of [byFbclid, byFbc, byTtclid]) {
      expect(await delivery("t-withdraw-click", res.json.id)).toMatchObject({ status: "suppressed", reason: "withdrawn" });
    }
  });

  it("a beacon that revokes an earlier grant suppresses the queued delivery", async () => {
    await createTenant("t-revoke");
    const sent = metaReceives(503);
    await sendBeacon("t-revoke", { joinKey: "k-rev", consent: { meta: "granted" } });
    const res = await sendWebhook("t-revoke", noConsent("o-r1", "k-rev"));
    await runAlarm("t-revoke");
    expect(sent).toHaveLength(1);
    expect((await sendBeacon("t-revoke", { joinKey: "k-rev", consent: { meta: "denied" } })).status).toBe(204);
    metaReceives(200);
    advance(3_600_000);
    await runAlarm("t-revoke");
    expect(sent).toHaveLength(1);
    expect(await delivery("t-revoke", res.json.id)).toMatchObject({ status: "suppressed", reason: "withdrawn" });
  });

  it("needs a key of the tenant: another tenant's key gets 403, none 401, empty bodies 400", async () => {
    await createTenant("t-wa");
    const { apiKey: keyB } = await createTenant("t-wb");
    const call = (auth: string | undefined, body: unknown) =>
      api("/v1/consent/t-wa/withdraw", {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify(body),
      });
    expect((await call(`Bearer ${keyB}`, { orderId: "1" })).status).toBe(403);
    expect((await call(undefined, { orderId: "1" })).status).toBe(401);
    expect((await call("Bearer test-admin-token", {})).status).toBe(400);
  });

  it("erases a data subject's stored events and suppresses them", async () => {
    await createTenant("t-erase");
    metaReceives(503);
    await sendWebhook("t-erase", purchase("o-er1"));
    const other = await sendWebhook("t-erase", purchase("o-er2", { customer: { email: "someone.else@example.com" } }));
    const res = await admin("POST", "/tenants/t-erase/subjects/erase", { email: CUSTOMER.email });
    expect(res.json).toEqual({ status: "erased", erasedEvents: 1, erasedBeacons: 0 });
    const rows = await relayRows("t-erase");
    expect(rows.events.map((e: any) => e.id)).toEqual([other.json.id]);
    // The erased event's subject keys went with it; the other event keeps its own.
    expect(new Set(rows.eventSubjects.map((r) => r.event_id))).toEqual(new Set([other.json.id]));
    expect(rows.eventSubjects.length).toBe(JSON.parse((rows.events[0] as { body: string }).body).subjectKeys.length);
  });

  it("after an erasure, nothing of the subject is stored again: a redelivery or a new order is answered and dropped", async () => {
    await createTenant("t-erase-again");
    metaReceives(503);
    // Withdrawn first, then erased: the erasure is what holds.
    expect((await withdraw("t-erase-again", { email: CUSTOMER.email })).status).toBe(200);
    await sendWebhook("t-erase-again", purchase("o-ea1"));
    expect((await admin("POST", "/tenants/t-erase-again/subjects/erase", { email: CUSTOMER.email })).json).toMatchObject({
      erasedEvents: 1,
    });
    // A withdrawal afterwards does not turn the erasure back into a withdrawal.
    expect((await withdraw("t-erase-again", { email: CUSTOMER.email })).status).toBe(200);

    // The platform retries the erased order (its answer was lost), and the buyer orders again.
    for (const body of [purchase("o-ea1"), purchase("o-ea2")]) {
      const res = await sendWebhook("t-erase-again", body);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: "ignored", reason: "erased_subject" });
    }
    const rows = await relayRows("t-erase-again");
    expect(rows.events).toEqual([]);
    expect(rows.eventSubjects).toEqual([]);
    expect(rows.deliveries).toEqual([]);
    const stats = await admin("GET", "/tenants/t-erase-again/stats");
    expect(stats.json).toMatchObject({ received: 1, erasedDropped: 2 });

    // Another buyer is stored and queued as before.
    const other = await sendWebhook("t-erase-again", purchase("o-ea3", { customer: { email: "someone.else@example.com" } }));
    expect(other.status).toBe(202);
  });
});
