import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/identity/hash";
import { clearRollerTokenCache } from "../../../src/sources/roller/enrich";
import { advance, useTestClock } from "../../helpers/clock";
import { metaReceives } from "../../helpers/meta";
import { server, useMsw } from "../../helpers/msw";
import { admin, relayRows, runAlarm } from "../../helpers/relay";
import { fixtures } from "../helpers";
import { consentThenBookingWithoutContact, rollerTenantWithCredentials } from "./helpers";

useMsw();
useTestClock();
beforeEach(() => clearRollerTokenCache());

/** ROLLER's token and booking endpoints, answering from a script, then normally. */
function rollerApi(bookingScript: Array<() => Response> = []) {
  const calls = { token: 0, booking: 0 };
  server.use(
    http.post("https://roller.test/token", () => {
      calls.token++;
      return HttpResponse.json({ access_token: `roller-token-${calls.token}`, expires_in: 86400 });
    }),
    http.get("https://roller.test/bookings/:uniqueId", ({ request }) => {
      calls.booking++;
      if (request.headers.get("authorization") !== `Bearer roller-token-${calls.token}`) return new HttpResponse(null, { status: 401 });
      return bookingScript[calls.booking - 1]?.() ?? HttpResponse.json(fixtures.rollerDetail());
    }),
  );
  return calls;
}

/** A ROLLER tenant with API credentials; the booking webhook lacks e-mail and phone. */
async function setUp(id: string) {
  const put = await rollerTenantWithCredentials(id, { clientId: "venue-4411-client", clientSecret: "roller-client-secret-value" });
  expect(put.json.credentialsSet).toEqual(["clientId", "clientSecret"]);
  expect(put.text).not.toContain("roller-client-secret-value");
  return consentThenBookingWithoutContact(id);
}

describe("ROLLER booking enrichment in the delivery step", () => {
  it("looks the booking up before the first send and sends the hashed e-mail it found", async () => {
    const roller = rollerApi();
    const meta = metaReceives();
    const eventId = await setUp("ro-enrich");
    expect(roller.booking).toBe(0); // never inside the webhook request
    await runAlarm("ro-enrich");
    expect(roller).toEqual({ token: 1, booking: 1 });
    expect(meta).toHaveLength(1);
    expect(meta[0].user_data.em).toEqual([await sha256Hex("tom.nguyen@example.com")]);
    // Withdrawal finds the event by the looked-up e-mail too.
    const withdrawal = await admin("POST", "/../consent/ro-enrich/withdraw", { email: "tom.nguyen@example.com" });
    expect(withdrawal.json.matchedEvents).toBe(1);
    const detail = (await admin("GET", `/tenants/ro-enrich/events/${eventId}`)).json;
    expect(detail.identifiers.meta).toContain("em");
  });

  it("drops an event whose looked-up customer was erased: nothing of them is stored again, nothing sent", async () => {
    rollerApi();
    const meta = metaReceives();
    const eventId = await setUp("ro-enrich-erased");
    // The erasure comes after the webhook (its own identifiers do not name the person) and before the lookup.
    expect((await admin("POST", "/tenants/ro-enrich-erased/subjects/erase", { email: "tom.nguyen@example.com" })).json).toMatchObject({
      erasedEvents: 0,
    });
    await runAlarm("ro-enrich-erased");
    expect(meta).toHaveLength(0);
    expect((await admin("GET", `/tenants/ro-enrich-erased/events/${eventId}`)).status).toBe(404);
    const rows = await relayRows("ro-enrich-erased");
    expect(rows.events).toEqual([]);
    expect(rows.eventSubjects).toEqual([]);
    // The checkout's beacon (the person's IP, user agent, page) goes too, and the booking's keys
    // are erased: the platform's retry of it is not stored.
    expect(rows.beacons).toEqual([]);
    expect(rows.suppressions.filter((s: any) => s.subject_key.startsWith("order:") && s.erased === 1)).toHaveLength(1);
    expect((await admin("GET", "/tenants/ro-enrich-erased/stats")).json).toMatchObject({ erasedDropped: 1 });
  });

  it("keeps no raw capture of a booking whose looked-up customer withdrew", async () => {
    rollerApi();
    const meta = metaReceives();
    await rollerTenantWithCredentials("ro-enrich-withdrawn", { clientId: "venue-4411-client", clientSecret: "roller-client-secret-value" });
    await admin("PATCH", "/tenants/ro-enrich-withdrawn", { rawCapture: true });
    await admin("POST", "/../consent/ro-enrich-withdrawn/withdraw", { email: "tom.nguyen@example.com" });
    const eventId = await consentThenBookingWithoutContact("ro-enrich-withdrawn");
    expect((await env.EVENTS.list({ prefix: "ro-enrich-withdrawn/" })).objects).toHaveLength(1);
    await runAlarm("ro-enrich-withdrawn");
    expect(meta).toHaveLength(0);
    expect((await admin("GET", `/tenants/ro-enrich-withdrawn/events/${eventId}`)).json.deliveries[0]).toMatchObject({
      status: "suppressed",
    });
    expect((await env.EVENTS.list({ prefix: "ro-enrich-withdrawn/" })).objects).toEqual([]);
  });

  it("waits and tries again when ROLLER answers 429, then sends", async () => {
    const roller = rollerApi([() => HttpResponse.json({ message: "slow down" }, { status: 429, headers: { "retry-after": "45" } })]);
    const meta = metaReceives();
    await setUp("ro-429");
    await runAlarm("ro-429");
    expect(meta).toHaveLength(0);
    advance(30_000);
    await runAlarm("ro-429");
    expect(meta).toHaveLength(0);
    advance(20_000);
    await runAlarm("ro-429");
    expect(roller.booking).toBe(2);
    expect(meta).toHaveLength(1);
    expect(meta[0].user_data.em).toEqual([await sha256Hex("tom.nguyen@example.com")]);
  });

  it("sends without enrichment when the booking cannot be read", async () => {
    rollerApi([() => HttpResponse.json({ message: "not found" }, { status: 404 })]);
    const meta = metaReceives();
    await setUp("ro-404");
    await runAlarm("ro-404");
    expect(meta).toHaveLength(1);
    expect(meta[0].user_data.em).toBeUndefined();
  });
});
