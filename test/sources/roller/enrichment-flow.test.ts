import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/identity/hash";
import { clearRollerTokenCache } from "../../../src/sources/roller/enrich";
import { advance, now, useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, api, joinTokenFor, runAlarm } from "../../helpers/relay";
import { SECRETS, createSourceTenant, fixtures, postHook, sign } from "../helpers";

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

function metaStandIn() {
  const sent: any[] = [];
  server.use(
    http.post("https://meta.test/:v/:p/events", async ({ request }) => {
      sent.push(...((await request.json()) as any).data);
      return HttpResponse.json({ events_received: 1, messages: [] });
    }),
  );
  return sent;
}

/** A ROLLER tenant with API credentials; the booking webhook lacks e-mail and phone. */
async function setUp(id: string) {
  await createSourceTenant({
    id,
    type: "roller",
    secret: SECRETS.roller,
    options: { currency: "AUD" },
    allowedOrigins: ["https://tickets.example"],
  });
  const put = await admin("PUT", `/tenants/${id}/sources/hook`, {
    type: "roller",
    options: { currency: "AUD" },
    credentials: { clientId: "venue-4411-client", clientSecret: "roller-client-secret-value" },
  });
  expect(put.json.credentialsSet).toEqual(["clientId", "clientSecret"]);
  expect(put.text).not.toContain("roller-client-secret-value");
  await api(`/v1/collect/${id}`, {
    method: "POST",
    headers: { origin: "https://tickets.example", "content-type": "text/plain", "user-agent": "Mozilla/5.0 (beacon)" },
    body: JSON.stringify({
      joinKey: "sj_4f9a2c1e8b7d",
      joinToken: await joinTokenFor(id, "sj_4f9a2c1e8b7d"),
      consent: { meta: "granted" },
      page: { url: "https://tickets.example/done" },
    }),
  });
  const envelope = fixtures.rollerCreated();
  delete envelope.data.booking.email;
  delete envelope.data.booking.phone;
  // The sample was booked "today": move it to the test clock's today.
  const at = new Date(now() - 60_000).toISOString();
  Object.assign(envelope, { eventDate: at, sendDate: at });
  envelope.data.booking.createdDate = at;
  const res = await postHook(id, JSON.stringify(envelope), { ...sign.roller(), "user-agent": "ROLLER-Webhooks" });
  expect(res.status).toBe(202);
  return res.json.id as string;
}

describe("ROLLER booking enrichment in the delivery step", () => {
  it("looks the booking up before the first send and sends the hashed e-mail it found", async () => {
    const roller = rollerApi();
    const meta = metaStandIn();
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

  it("waits and tries again when ROLLER answers 429, then sends", async () => {
    const roller = rollerApi([() => HttpResponse.json({ message: "slow down" }, { status: 429, headers: { "retry-after": "45" } })]);
    const meta = metaStandIn();
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
    const meta = metaStandIn();
    await setUp("ro-404");
    await runAlarm("ro-404");
    expect(meta).toHaveLength(1);
    expect(meta[0].user_data.em).toBeUndefined();
  });
});
