import { describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/beacons/join-token";
import { advance, now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, api, createTenant, joinTokenFor, purchase, relayRows, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { metaReceives } from "../helpers/meta";

useMsw();
useTestClock();

const nowS = () => Math.floor(now() / 1000);
const waiting = (orderId: string, joinKey: string) => purchase(orderId, { consent: undefined, joinKey, clickIds: {} });
const delivery = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json.deliveries[0];

async function expectRefused(res: Response) {
  expect(res.status).toBe(401);
  expect((await res.json()) as any).toMatchObject({ error: { code: "invalid_join_token" } });
}

describe("signed beacons", () => {
  it("a valid join token lets a consented conversion through, with the beacon's click ids", async () => {
    await createTenant("sb-ok");
    const sent = metaReceives();
    const res = await sendBeacon(
      "sb-ok",
      {
        joinKey: "chk-1",
        joinToken: await joinTokenFor("sb-ok", "chk-1"),
        consent: { meta: "granted" },
        clickIds: { fbp: "fb.1.1767000000000.42" },
      },
      {},
      false,
    );
    expect(res.status).toBe(204);
    const hook = await sendWebhook("sb-ok", waiting("o-ok", "chk-1"));
    expect(await delivery("sb-ok", hook.json.id)).toMatchObject({ decision: "send", reason: "meta_granted" });
    await runAlarm("sb-ok");
    expect(sent.map((e) => e.event_id)).toEqual(["o-ok"]);
    expect(sent[0].user_data.fbp).toBe("fb.1.1767000000000.42");
  });

  it("new tenants are signed by default; a forged beacon (any Origin header, no token) stores nothing and the webhook still waits", async () => {
    await createTenant("sb-forge");
    const sent = metaReceives();
    expect((await admin("GET", "/tenants/sb-forge")).json.tenant).toMatchObject({ beaconAuth: "signed", beaconKeySet: true });
    await expectRefused(await sendBeacon("sb-forge", { joinKey: "buyer-key", consent: { meta: "granted" } }, {}, false));
    expect((await relayRows("sb-forge")).beacons).toEqual([]);
    const hook = await sendWebhook("sb-forge", waiting("o-f", "buyer-key"));
    expect(await delivery("sb-forge", hook.json.id)).toMatchObject({ decision: "pending", reason: "awaiting_consent" });
    await runAlarm("sb-forge");
    expect(sent).toHaveLength(0);
  });

  it("malformed, expired, too-far-future, other-join-key and other-tenant tokens are all 401 with nothing stored", async () => {
    await createTenant("sb-bad");
    const { beaconKey: otherKey } = await createTenant("sb-other");
    const body = (joinToken: string) => ({ joinKey: "chk-x", joinToken, consent: { meta: "granted" } });
    const valid = await joinTokenFor("sb-bad", "chk-x");
    const [, exp, mac] = valid.split(".");
    const flipped = `v1.${exp}.${mac![0] === "A" ? "B" : "A"}${mac!.slice(1)}`;
    const cases = [
      "",
      "garbage",
      `v2.${exp}.${mac}`,
      `v1.${exp}.${mac}=`,
      flipped,
      `v1.${Number(exp) + 1}.${mac}`,
      await joinTokenFor("sb-bad", "chk-x", { exp: nowS() - 1 }),
      await joinTokenFor("sb-bad", "chk-x", { exp: nowS() + 2 * 86_400 }),
      await joinTokenFor("sb-bad", "another-checkout"),
      // sb-other's key, minted for sb-other: valid there, foreign here.
      await mintJoinToken(otherKey, "sb-other", "chk-x", nowS() + 600),
      // sb-other's key claiming to be for sb-bad.
      await mintJoinToken(otherKey, "sb-bad", "chk-x", nowS() + 600),
    ];
    for (const token of cases) await expectRefused(await sendBeacon("sb-bad", body(token), {}, false));
    expect((await relayRows("sb-bad")).beacons).toEqual([]);
    // The token itself was fine: the same beacon with it is accepted.
    expect((await sendBeacon("sb-bad", body(valid), {}, false)).status).toBe(204);
    expect((await sendBeacon("sb-other", body(cases[9]!), {}, false)).status).toBe(204);
  });

  it("a joinToken of the wrong type, null or too long is the same 401 with nothing stored, whatever else the body holds", async () => {
    // Issue 9, item 1: in signed mode a missing or malformed token answers 401 invalid_join_token
    // and stores nothing; a wrong type or length is a malformed token, not a 400 about the body.
    await createTenant("sb-shape");
    const cases: unknown[] = [12345, null, true, {}, ["v1"], "x".repeat(129), "v1.".repeat(2000)];
    for (const joinToken of cases) {
      await expectRefused(await sendBeacon("sb-shape", { joinKey: "chk-s", joinToken, consent: { meta: "granted" } }, {}, false));
    }
    // The token is checked before the rest of the body: a forger learns nothing about it.
    const badConsent = { joinKey: "chk-s", joinToken: 12345, consent: { gpp: { gppString: "x", applicableSections: Array(40).fill(7) } } };
    await expectRefused(await sendBeacon("sb-shape", badConsent, {}, false));
    expect((await relayRows("sb-shape")).beacons).toEqual([]);
    // A valid token with that body is a 400 about the body, as before.
    const signed = { ...badConsent, joinToken: await joinTokenFor("sb-shape", "chk-s") };
    expect((await sendBeacon("sb-shape", signed, {}, false)).status).toBe(400);
    // No join key to check a token against: the body itself is invalid.
    expect((await sendBeacon("sb-shape", { joinToken: 12345, consent: { meta: "granted" } }, {}, false)).status).toBe(400);
    expect((await relayRows("sb-shape")).beacons).toEqual([]);
  });

  it("a valid token does not lift the origin check", async () => {
    await createTenant("sb-both");
    const token = await joinTokenFor("sb-both", "chk-o");
    const res = await sendBeacon("sb-both", { joinKey: "chk-o", joinToken: token }, { origin: "https://evil.example" }, false);
    expect(res.status).toBe(403);
    expect((await relayRows("sb-both")).beacons).toEqual([]);
  });

  it("a token expires with its exp", async () => {
    await createTenant("sb-exp");
    const token = await joinTokenFor("sb-exp", "chk-e", { exp: nowS() + 60 });
    advance(61_000);
    await expectRefused(await sendBeacon("sb-exp", { joinKey: "chk-e", joinToken: token }, {}, false));
  });

  it("a tenant without a beacon key refuses every beacon in signed mode", async () => {
    const created = await admin("POST", "/tenants", {
      id: "sb-nokey",
      name: "No key",
      region: "global",
      allowedOrigins: ["https://shop.example"],
    });
    expect(created.json.tenant).toMatchObject({ beaconAuth: "signed", beaconKeySet: false });
    const token = await mintJoinToken("bk_guessed", "sb-nokey", "k", nowS() + 600);
    await expectRefused(await sendBeacon("sb-nokey", { joinKey: "k", joinToken: token }, {}, false));
  });

  it("rotation: the new key works at once, the previous one for 24 hours more, then never", async () => {
    const { apiKey, beaconKey: first } = await createTenant("sb-rot");
    // The tenant's own key may rotate; the answer shows the new key once and is not cached.
    const res = await api("/v1/admin/tenants/sb-rot/beacon-key", { method: "POST", headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { beaconKey: second } = (await res.json()) as any;
    expect(second).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    const tenantJson = (await admin("GET", "/tenants/sb-rot")).text;
    expect(tenantJson).not.toContain(first);
    expect(tenantJson).not.toContain(second);

    const beacon = async (key: string, joinKey: string) =>
      sendBeacon("sb-rot", { joinKey, joinToken: await mintJoinToken(key, "sb-rot", joinKey, nowS() + 3600) }, {}, false);
    expect((await beacon(second, "k1")).status).toBe(204);
    expect((await beacon(first, "k2")).status).toBe(204);
    advance(24 * 3_600_000 + 1000);
    expect((await beacon(second, "k3")).status).toBe(204);
    await expectRefused(await beacon(first, "k4"));

    // A second rotation retires the second key and forgets the first entirely.
    const third = (await admin("POST", "/tenants/sb-rot/beacon-key")).json.beaconKey as string;
    expect((await beacon(third, "k5")).status).toBe(204);
    expect((await beacon(second, "k6")).status).toBe(204);
    await expectRefused(await beacon(first, "k7"));
  });

  it("two rotations in one day: each retired key keeps its own 24 hours; at most three retired keys verify", async () => {
    const { beaconKey: first } = await createTenant("sb-rot2");
    const beacon = async (key: string, joinKey: string) =>
      sendBeacon("sb-rot2", { joinKey, joinToken: await mintJoinToken(key, "sb-rot2", joinKey, nowS() + 3600) }, {}, false);
    const rotate = async () => (await admin("POST", "/tenants/sb-rot2/beacon-key")).json.beaconKey as string;
    const second = await rotate();
    advance(3_600_000);
    const third = await rotate();
    // The first key was retired an hour ago: it still has 23 hours.
    for (const [key, joinKey] of [
      [first, "r1"],
      [second, "r2"],
      [third, "r3"],
    ] as const)
      expect((await beacon(key, joinKey)).status).toBe(204);
    advance(23 * 3_600_000 + 1000);
    await expectRefused(await beacon(first, "r4"));
    expect((await beacon(second, "r5")).status).toBe(204);

    // Three more rotations within the hour: the oldest retired key beyond three goes at once.
    const keys = [await rotate(), await rotate(), await rotate()];
    await expectRefused(await beacon(second, "r6"));
    expect((await beacon(third, "r7")).status).toBe(204);
    for (const [i, key] of keys.entries()) expect((await beacon(key, `r8-${i}`)).status).toBe(204);
  });

  it("a tenant key cannot mint another tenant's beacon key", async () => {
    const { apiKey } = await createTenant("sb-a");
    await createTenant("sb-b");
    const res = await api("/v1/admin/tenants/sb-b/beacon-key", { method: "POST", headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(403);
    expect((await api("/v1/admin/tenants/sb-b/beacon-key", { method: "POST" })).status).toBe(401);
  });

  it('"origin" mode accepts an unsigned beacon from an allowed origin, and the setting is validated', async () => {
    await createTenant("sb-origin");
    expect((await admin("PATCH", "/tenants/sb-origin", { beaconAuth: "none" })).status).toBe(400);
    const patched = await admin("PATCH", "/tenants/sb-origin", { beaconAuth: "origin" });
    expect(patched.json.tenant.beaconAuth).toBe("origin");
    expect((await sendBeacon("sb-origin", { joinKey: "k-o", consent: { meta: "granted" } }, {}, false)).status).toBe(204);
    expect((await sendBeacon("sb-origin", { joinKey: "k-o2" }, { origin: "https://evil.example" }, false)).status).toBe(403);
    // Origin mode never reads the token: a string, well formed or not, is ignored; one that is not
    // a string of at most 128 characters is an ill-typed field like any other (400, nothing stored).
    expect((await sendBeacon("sb-origin", { joinKey: "k-o3", joinToken: "garbage" }, {}, false)).status).toBe(204);
    for (const joinToken of [12345, null, "x".repeat(129)]) {
      const res = await sendBeacon("sb-origin", { joinKey: "k-o4", joinToken, consent: { meta: "granted" } }, {}, false);
      expect(res.status).toBe(400);
      expect((await res.json()) as any).toMatchObject({ error: { code: "invalid_request" } });
    }
    const created = await admin("POST", "/tenants", { id: "sb-origin2", name: "O", region: "global", beaconAuth: "origin" });
    expect(created.json.tenant.beaconAuth).toBe("origin");
  });
});
