import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clock } from "../../src/platform/clock";
import { advance, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { CUSTOMER, admin, createTenant, purchase, relay, relayRows, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { metaReceives } from "../helpers/meta";

useMsw();
useTestClock();

const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];
const waiting = (orderId: string, joinKey: string, extra: Record<string, unknown> = {}) =>
  purchase(orderId, { consent: undefined, joinKey, clickIds: {}, ...extra });

/** Lets a few hours of retries run. */
/** Stores `n` filler beacons that hold until `expiresAt`, as many beacons from other join keys would. */
async function fillBeacons(tenant: string, n: number, expiresAt: number) {
  await runInDurableObject(relay(tenant), (_i, state) => {
    state.storage.sql.exec(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO beacons (join_hash, body, received_at, expires_at) SELECT 'filler' || i, '{}', 0, ? FROM n`,
      n,
      expiresAt,
    );
  });
}

async function retryForHours(tenant: string, hours = 5) {
  for (let i = 0; i < hours; i++) {
    advance(3_600_000);
    await runAlarm(tenant);
  }
}

describe("beacons for one join key are combined, and a refusal sticks", () => {
  it("a later beacon that omits consent keeps the earlier beacon's", async () => {
    await createTenant("cj-keep");
    const sent = metaReceives();
    await sendBeacon("cj-keep", { joinKey: "k1", consent: { meta: "granted" } });
    await sendBeacon("cj-keep", { joinKey: "k1", clickIds: { fbp: "fb.1.1767000000000.5" } });
    const hook = await sendWebhook("cj-keep", waiting("o-keep", "k1"));
    expect(await delivery("cj-keep", hook.json.id)).toMatchObject({ decision: "send", reason: "meta_granted" });
    await runAlarm("cj-keep");
    expect(sent.map((e) => [e.event_id, e.user_data.fbp])).toEqual([["o-keep", "fb.1.1767000000000.5"]]);
  });

  it("a user's denial is not turned back into a grant by a later beacon for the same join key", async () => {
    await createTenant("cj-stick");
    const sent = metaReceives();
    await sendBeacon("cj-stick", { joinKey: "k2", consent: { meta: "denied" } });
    await sendBeacon("cj-stick", { joinKey: "k2", consent: { meta: "granted" } });
    const hook = await sendWebhook("cj-stick", purchase("o-stick", { joinKey: "k2" }));
    expect(await delivery("cj-stick", hook.json.id)).toMatchObject({ decision: "blocked", reason: "meta_denied", status: "blocked" });
    await runAlarm("cj-stick");
    expect(sent).toHaveLength(0);
  });

  it("a webhook whose consent leaves Meta undecided waits for the beacon instead of blocking Meta at once", async () => {
    await createTenant("cj-hold");
    const sent = metaReceives();
    const googleOnly = { gcm: { ad_user_data: "granted", ad_storage: "granted" } };
    const hook = await sendWebhook("cj-hold", waiting("o-hold", "k3", { consent: googleOnly }));
    expect(await delivery("cj-hold", hook.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent" });
    await sendBeacon("cj-hold", { joinKey: "k3", consent: { meta: "granted" } });
    expect(await delivery("cj-hold", hook.json.id)).toMatchObject({ decision: "send", reason: "meta_granted" });
    await runAlarm("cj-hold");
    expect(sent.map((e) => e.event_id)).toEqual(["o-hold"]);
  });

  it("a webhook that decides Meta itself is not held, and one that denies blocks at once", async () => {
    await createTenant("cj-decided");
    const denied = await sendWebhook("cj-decided", waiting("o-den", "k4", { consent: { meta: "denied" } }));
    expect(await delivery("cj-decided", denied.json.id)).toMatchObject({ decision: "blocked", reason: "meta_denied" });
    const granted = await sendWebhook("cj-decided", waiting("o-gr", "k5", { consent: { meta: "granted" } }));
    expect(await delivery("cj-decided", granted.json.id)).toMatchObject({ decision: "send", status: "pending" });
  });
});

describe("every denial suppresses everything pending for the join key", () => {
  it("a beacon denying what the webhook granted stops the retrying delivery: nothing more reaches Meta", async () => {
    await createTenant("cj-deny");
    const sent = metaReceives(503);
    const hook = await sendWebhook("cj-deny", purchase("o-deny", { joinKey: "k-deny" }));
    await runAlarm("cj-deny");
    expect(await delivery("cj-deny", hook.json.id)).toMatchObject({ status: "pending", attempts: 1 });
    expect(sent).toHaveLength(1);

    expect((await sendBeacon("cj-deny", { joinKey: "k-deny", consent: { meta: "denied" } })).status).toBe(204);
    const healthy = metaReceives(200);
    await retryForHours("cj-deny");
    expect(sent).toHaveLength(1);
    expect(healthy).toHaveLength(0);
    expect(await delivery("cj-deny", hook.json.id)).toMatchObject({ status: "suppressed" });

    // The refusal is recorded: an admin replay cannot resend it, nor can a later grant.
    expect((await admin("POST", `/tenants/cj-deny/events/${hook.json.id}/replay`)).json).toMatchObject({ replayed: 0 });
    await sendBeacon("cj-deny", { joinKey: "k-deny", consent: { meta: "granted" } });
    await retryForHours("cj-deny", 2);
    expect(healthy).toHaveLength(0);
  });

  it("a denial also suppresses the join key's held deliveries", async () => {
    await createTenant("cj-held");
    const sent = metaReceives();
    const hook = await sendWebhook("cj-held", waiting("o-held", "k-held"));
    await sendBeacon("cj-held", { joinKey: "k-held", consent: { meta: "denied" } });
    expect((await delivery("cj-held", hook.json.id)).status).not.toBe("pending");
    await retryForHours("cj-held", 2);
    expect(sent).toHaveLength(0);
  });

  it("replay after a revocation resends nothing; replay of a consented event still works", async () => {
    await createTenant("cj-replay");
    const sent = metaReceives();
    const revoked = await sendWebhook("cj-replay", purchase("o-rev", { joinKey: "k-rev" }));
    const kept = await sendWebhook("cj-replay", purchase("o-kept", { joinKey: "k-kept" }));
    await runAlarm("cj-replay");
    expect(sent.map((e) => e.event_id).sort()).toEqual(["o-kept", "o-rev"]);

    await sendBeacon("cj-replay", { joinKey: "k-rev", consent: { meta: "denied" } });
    expect((await admin("POST", `/tenants/cj-replay/events/${revoked.json.id}/replay`)).json).toMatchObject({ replayed: 0 });
    expect((await admin("POST", `/tenants/cj-replay/events/${kept.json.id}/replay`)).json).toMatchObject({ replayed: 1 });
    await runAlarm("cj-replay");
    expect(sent.map((e) => e.event_id).sort()).toEqual(["o-kept", "o-kept", "o-rev"]);
  });

  it("replay after a withdrawal resends nothing", async () => {
    await createTenant("cj-replay-w");
    const sent = metaReceives();
    const hook = await sendWebhook("cj-replay-w", purchase("o-rw"));
    await runAlarm("cj-replay-w");
    await admin("POST", "/../consent/cj-replay-w/withdraw", { orderId: "o-rw" });
    expect((await admin("POST", `/tenants/cj-replay-w/events/${hook.json.id}/replay`)).json).toMatchObject({ replayed: 0 });
    await runAlarm("cj-replay-w");
    expect(sent).toHaveLength(1);
  });

  it("a webhook redelivery whose consent denies suppresses the retrying delivery", async () => {
    await createTenant("cj-redeliver");
    const sent = metaReceives(503);
    const first = await sendWebhook("cj-redeliver", purchase("o-rd", { joinKey: "k-rd" }));
    await runAlarm("cj-redeliver");
    expect(sent).toHaveLength(1);
    const again = await sendWebhook("cj-redeliver", purchase("o-rd", { joinKey: "k-rd", consent: { meta: "denied" } }));
    expect(again).toMatchObject({ status: 200, json: { status: "duplicate", id: first.json.id } });
    const healthy = metaReceives(200);
    await retryForHours("cj-redeliver");
    expect(healthy).toHaveLength(0);
    expect(await delivery("cj-redeliver", first.json.id)).toMatchObject({ status: "suppressed" });
  });
});

describe("beacon click ids are the subject's", () => {
  it("withdraw {fbp} finds an event that took its fbp from the beacon (beacon first)", async () => {
    const { apiKey } = await createTenant("cj-wd");
    const sent = metaReceives(503);
    await sendBeacon("cj-wd", { joinKey: "k-wd", consent: { meta: "granted" }, clickIds: { fbp: "fb.1.1767000000000.77" } });
    const hook = await sendWebhook("cj-wd", waiting("o-wd", "k-wd"));
    await runAlarm("cj-wd");
    expect(sent).toHaveLength(1);
    const res = await admin(
      "POST",
      "/../consent/cj-wd/withdraw",
      { fbp: "fb.1.1767000000000.77" },
      {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
      },
    );
    expect(res.json).toMatchObject({ suppressed: 1, matchedEvents: 1 });
    const healthy = metaReceives(200);
    await retryForHours("cj-wd");
    expect(healthy).toHaveLength(0);
    expect(await delivery("cj-wd", hook.json.id)).toMatchObject({ status: "suppressed" });
  });

  it("withdraw {gclid} finds an event that waited for its beacon (webhook first)", async () => {
    await createTenant("cj-wd2");
    metaReceives(503);
    const hook = await sendWebhook("cj-wd2", waiting("o-wd2", "k-wd2"));
    await sendBeacon("cj-wd2", { joinKey: "k-wd2", consent: { meta: "granted" }, clickIds: { gclid: "Cj0KCQ-beacon-gclid" } });
    expect((await admin("POST", "/../consent/cj-wd2/withdraw", { gclid: "Cj0KCQ-beacon-gclid" })).json).toMatchObject({
      matchedEvents: 1,
      suppressed: 1,
    });
    expect(await delivery("cj-wd2", hook.json.id)).toMatchObject({ status: "suppressed" });
  });

  it("erasure deletes the subject's beacons: a new webhook with the same join key gets no beacon data and is not stored", async () => {
    await createTenant("cj-erase");
    metaReceives();
    await sendBeacon("cj-erase", { joinKey: "k-er", consent: { meta: "granted" }, clickIds: { fbp: "fb.1.1767000000000.88" } });
    await sendWebhook("cj-erase", waiting("o-er1", "k-er"));
    const erased = await admin("POST", "/tenants/cj-erase/subjects/erase", { email: CUSTOMER.email });
    expect(erased.json).toEqual({ status: "erased", erasedEvents: 1, erasedBeacons: 1 });
    expect((await relayRows("cj-erase")).beacons).toEqual([]);

    // The erased order's checkout (its join key) is erased with the subject: another webhook under
    // it is answered and not stored (it may be another buyer's, under a reused cart token: we
    // err on the side of keeping nothing).
    const next = await sendWebhook("cj-erase", waiting("o-er2", "k-er", { customer: { email: "another@example.com" } }));
    expect(next.json).toEqual({ status: "ignored", reason: "erased_subject" });
    expect((await relayRows("cj-erase")).events).toEqual([]);
  });

  it("erasure deletes the refusals recorded under the subject's checkout and events, and their join key stays suppressed", async () => {
    await createTenant("cj-erase-denials");
    metaReceives(503);
    // A webhook that granted, then a beacon and a redelivery that refuse: refusals by join key and by event.
    const hook = await sendWebhook("cj-erase-denials", purchase("o-ed1", { joinKey: "k-ed", consent: { meta: "granted" } }));
    await sendBeacon("cj-erase-denials", { joinKey: "k-ed", consent: { meta: "denied" } });
    await sendWebhook("cj-erase-denials", purchase("o-ed1", { joinKey: "k-ed", consent: { meta: "denied" } }));
    const scopes = (await relayRows("cj-erase-denials")).consentDenials.map((d: any) => d.scope.split(":")[0]).sort();
    expect(scopes).toEqual(["event", "join"]);
    expect(await delivery("cj-erase-denials", hook.json.id)).toMatchObject({ status: "suppressed" });

    await admin("POST", "/tenants/cj-erase-denials/subjects/erase", { email: CUSTOMER.email });
    const rows = await relayRows("cj-erase-denials");
    expect(rows.consentDenials).toEqual([]);
    // What the refusal held back, the erasure holds back: a beacon granting under that checkout is not stored.
    await sendBeacon("cj-erase-denials", { joinKey: "k-ed", consent: { meta: "granted" } });
    expect((await relayRows("cj-erase-denials")).beacons).toEqual([]);
  });

  it("erasure by a beacon click id deletes that beacon, and a new beacon for it is not collected", async () => {
    await createTenant("cj-erase2");
    await sendBeacon("cj-erase2", { joinKey: "k-er2", consent: { meta: "granted" }, clickIds: { fbc: "fb.1.1767225000000.Zz" } });
    const erased = await admin("POST", "/tenants/cj-erase2/subjects/erase", { fbc: "fb.1.1767225000000.Zz" });
    expect(erased.json).toMatchObject({ erasedBeacons: 1 });
    expect((await sendBeacon("cj-erase2", { joinKey: "k-er2b", clickIds: { fbc: "fb.1.1767225000000.Zz" } })).status).toBe(204);
    expect((await relayRows("cj-erase2")).beacons).toEqual([]);
  });
});

describe("beacon bounds", () => {
  it("an oversized beacon is 413 with nothing stored", async () => {
    await createTenant("cj-big");
    const big = await sendBeacon("cj-big", { joinKey: "k-big", consent: { tcf: { tcString: "C".repeat(8000) } } });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error.code).toBe("beacon_too_large");
    expect((await relayRows("cj-big")).beacons).toEqual([]);
  });

  it("beacons that together exceed 4 KiB for one join key are refused; the earlier one stays as it was, with a mark for the unreadable field", async () => {
    await createTenant("cj-sum");
    const part = (n: number) => ({
      joinKey: "k-sum",
      consent: { gpp: { gppString: `DBABM~${"A".repeat(2500)}${n}` } },
      page: { url: `https://shop.example/${n}` },
    });
    expect((await sendBeacon("cj-sum", { joinKey: "k-sum", consent: { meta: "granted" }, clickIds: { fbp: "fb.1.1.1" } })).status).toBe(
      204,
    );
    expect((await sendBeacon("cj-sum", part(1))).status).toBe(204);
    const before = (await relayRows("cj-sum")).beacons;
    const res = await sendBeacon("cj-sum", { joinKey: "k-sum", consent: { tcf: { tcString: "C".repeat(2500) } } });
    expect(res.status).toBe(413);
    // The refused beacon's TC string could not be read: only a mark of it is kept, so later
    // webhooks under the join key are not sent on the earlier grant (beacons/oversized-unreadable.test.ts).
    const after = (await relayRows("cj-sum")).beacons;
    expect(after.map(({ body: _body, ...row }) => row)).toEqual(before.map(({ body: _body, ...row }) => row));
    const [was, is] = [JSON.parse(before[0]!.body as string), JSON.parse(after[0]!.body as string)];
    expect(is).toEqual({ ...was, consent: { ...was.consent, malformed: ["tcf"] } });
    expect(is.consent.tcf).toBeUndefined();
  });

  it("a readable beacon too large to store leaves the earlier ones exactly as they were", async () => {
    await createTenant("cj-sum-readable");
    await sendBeacon("cj-sum-readable", { joinKey: "k-sr", consent: { meta: "granted" }, clickIds: { fbp: "fb.1.1.1" } });
    await sendBeacon("cj-sum-readable", { joinKey: "k-sr", consent: { gpp: { gppString: `DBABM~${"A".repeat(2500)}` } } });
    const before = (await relayRows("cj-sum-readable")).beacons;
    const res = await sendBeacon("cj-sum-readable", {
      joinKey: "k-sr",
      consent: { meta: "granted" },
      page: { url: `https://shop.example/${"p".repeat(1500)}` },
    });
    expect(res.status).toBe(413);
    expect((await relayRows("cj-sum-readable")).beacons).toEqual(before);
  });

  it("unbounded lists are refused", async () => {
    await createTenant("cj-list");
    const sections = await sendBeacon("cj-list", {
      joinKey: "k",
      consent: { gpp: { gppString: "DBABM~x", applicableSections: Array(33).fill(7) } },
    });
    expect(sections.status).toBe(400);
    const categories = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`c${i}`, true]));
    expect((await sendBeacon("cj-list", { joinKey: "k", consent: { categories } })).status).toBe(400);
    expect((await relayRows("cj-list")).beacons).toEqual([]);
  });

  it("a tenant holding the most beacons it may gets 429 for a new join key, nothing stored; known join keys still merge", async () => {
    await createTenant("cj-cap");
    await fillBeacons("cj-cap", 99_999, 9e15);
    expect((await sendBeacon("cj-cap", { joinKey: "known", consent: { meta: "granted" } })).status).toBe(204);
    const res = await sendBeacon("cj-cap", { joinKey: "new-one", consent: { meta: "granted" } });
    expect(res.status).toBe(429);
    expect(((await res.json()) as any).error.code).toBe("beacon_limit_reached");
    const count = await runInDurableObject(
      relay("cj-cap"),
      (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM beacons").one().n,
    );
    expect(count).toBe(100_000);
    expect((await sendBeacon("cj-cap", { joinKey: "known", clickIds: { fbp: "fb.1.1.2" } })).status).toBe(204);
  });

  it("expired beacons do not count toward the limit, even before the alarm purges them", async () => {
    await createTenant("cj-cap-expired");
    await fillBeacons("cj-cap-expired", 100_000, clock.now() + 1000);
    expect((await sendBeacon("cj-cap-expired", { joinKey: "new-one", consent: { meta: "granted" } })).status).toBe(429);
    advance(1001);
    expect((await sendBeacon("cj-cap-expired", { joinKey: "new-one", consent: { meta: "granted" } })).status).toBe(204);
  });
});
