import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { fetchRollerBooking, rollerBookingCustomer, rollerBookingFromResponse } from "../../../src/sources/roller";
import { clearRollerTokenCache } from "../../../src/sources/roller/enrich";
import { TokenCache, type RunMemo } from "../../../src/platform/token-cache";
import { server, useMsw } from "../../helpers/msw";
import { fixtures } from "../helpers";

useMsw();

const ENV = { ROLLER_API_BASE: "https://roller.test/" };
const CREDENTIALS = { clientId: "venue-4411-client", clientSecret: "roller-client-secret-value" };
const UNIQUE_ID = "c2d3e4f5-0a1b-4c2d-8e3f-4a5b6c7d8e9f";

const TOM = {
  email: "tom.nguyen@example.com",
  phone: "0498 765 432",
  firstName: "Tom",
  lastName: "Nguyen",
  city: "Brunswick",
  state: "VIC",
  zip: "3056",
  country: "AU",
  externalId: "88123999",
};

type Reply = () => Response;
const ok =
  (body: Record<string, unknown>): Reply =>
  () =>
    HttpResponse.json(body);
const status =
  (code: number, headers: Record<string, string> = {}): Reply =>
  () =>
    HttpResponse.json({ message: `status ${code}` }, { status: code, headers });

/**
 * A ROLLER emulator at the fetch boundary: `POST /token` (JSON client credentials → bearer token)
 * and `GET /bookings/{uniqueId}` (bearer required), each answering from a script.
 */
type Script = { token?: Reply[]; booking?: Reply[] };
function rollerEmulator(script: Script = {}) {
  const calls = {
    token: [] as Array<{ contentType: string | null; body: any }>,
    booking: [] as Array<{ url: string; authorization: string | null; accept: string | null }>,
  };
  let issued = 0;
  server.use(
    http.post("https://roller.test/token", async ({ request }) => {
      calls.token.push({ contentType: request.headers.get("content-type"), body: await request.json() });
      const scripted = script.token?.[calls.token.length - 1];
      if (scripted) return scripted();
      issued += 1;
      return HttpResponse.json({ access_token: `token-${issued}`, token_type: "Bearer", expires_in: 86400 });
    }),
    http.get("https://roller.test/bookings/:uniqueId", ({ request }) => {
      calls.booking.push({ url: request.url, authorization: request.headers.get("authorization"), accept: request.headers.get("accept") });
      const scripted = script.booking?.[calls.booking.length - 1];
      return scripted ? scripted() : HttpResponse.json(fixtures.rollerDetail());
    }),
  );
  return calls;
}

let cache: TokenCache;
let memo: RunMemo;
let now: number;
beforeEach(() => {
  clearRollerTokenCache();
  cache = new TokenCache();
  memo = new Map();
  now = Date.UTC(2026, 10, 22, 12);
});

const SCOPE = { tenantId: "t-roller", ownerId: "hook" };
const lookup = () => fetchRollerBooking(ENV, CREDENTIALS, UNIQUE_ID, fetch, { scope: SCOPE, cache, memo, now: () => now });

describe("ROLLER booking enrichment (GET /bookings/{uniqueId})", () => {
  it("maps the booking detail to customer data, with one token request for many lookups", async () => {
    const calls = rollerEmulator();
    expect(await lookup()).toEqual({ status: "ok", customer: TOM });
    expect(await lookup()).toEqual({ status: "ok", customer: TOM });
    expect(calls.token).toEqual([
      { contentType: "application/json", body: { client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.clientSecret } },
    ]);
    expect(calls.booking).toHaveLength(2);
    expect(calls.booking[0]).toEqual({
      url: `https://roller.test/bookings/${UNIQUE_ID}`,
      authorization: "Bearer token-1",
      accept: "application/json",
    });
  });

  it("shares one token request between concurrent lookups", async () => {
    const calls = rollerEmulator();
    const results = await Promise.all([lookup(), lookup(), lookup()]);
    expect(results.every((r) => r.status === "ok")).toBe(true);
    expect(calls.token).toHaveLength(1);
  });

  it("never shares a pending token request beyond the run that started it", async () => {
    const calls = rollerEmulator();
    // Two alarm runs (two request contexts) at once: each has its own memo.
    const other = () => fetchRollerBooking(ENV, CREDENTIALS, UNIQUE_ID, fetch, { scope: SCOPE, cache, memo: new Map(), now: () => now });
    await Promise.all([lookup(), other()]);
    expect(calls.token).toHaveLength(2);
  });

  it("keys cached tokens by tenant, source and the full credential set", async () => {
    const calls = rollerEmulator();
    const as = (scope: typeof SCOPE, credentials = CREDENTIALS) =>
      fetchRollerBooking(ENV, credentials, UNIQUE_ID, fetch, { scope, cache, memo: new Map(), now: () => now });
    await as(SCOPE);
    await as(SCOPE);
    expect(calls.token).toHaveLength(1);
    await as({ tenantId: "t-other", ownerId: "hook" });
    await as({ tenantId: "t-roller", ownerId: "hook-2" });
    await as(SCOPE, { ...CREDENTIALS, clientSecret: "another-secret" });
    expect(calls.token).toHaveLength(4);
    expect(calls.token[3]!.body.client_secret).toBe("another-secret");
    expect(calls.booking.map((c) => c.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
      "Bearer token-4",
    ]);
  });

  it("requests a new token once the cached one is about to expire", async () => {
    const calls = rollerEmulator();
    await lookup();
    now += 86400_000 - 30_000; // inside the last minute of the token's life
    await lookup();
    expect(calls.token).toHaveLength(2);
    expect(calls.booking.map((c) => c.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
  });

  it("on a 401 with a cached token, fetches a new token and retries once", async () => {
    const calls = rollerEmulator({ booking: [ok(fixtures.rollerDetail()), status(401)] });
    await lookup();
    expect(await lookup()).toEqual({ status: "ok", customer: TOM });
    expect(calls.token).toHaveLength(2);
    expect(calls.booking.map((c) => c.authorization)).toEqual(["Bearer token-1", "Bearer token-1", "Bearer token-2"]);
  });

  const unauthorized = { status: "failed", code: "roller_unauthorized" };

  it("gives up after the refreshed token is refused too, without a third token request", async () => {
    const calls = rollerEmulator({ booking: [ok(fixtures.rollerDetail()), status(401), status(401)] });
    await lookup();
    expect(await lookup()).toEqual(unauthorized);
    expect(calls.token).toHaveLength(2);
  });

  // One lookup against scripted answers: [title, script, outcome, [token requests, booking requests, tokens left cached]].
  const limited = { status: "retry", code: "roller_rate_limited" };
  const oneLookup: Array<[string, Script, object, number[]]> = [
    ["does not ask for another token when a freshly issued one is refused", { booking: [status(401)] }, unauthorized, [1, 1, 0]],
    [
      "reports a 429 from the booking endpoint as retryable, with Retry-After",
      { booking: [status(429, { "retry-after": "30" })] },
      { ...limited, retryAfterMs: 30_000 },
      [1, 1, 1],
    ],
    ["reports a 429 from the token endpoint as retryable and caches nothing", { token: [status(429)] }, limited, [1, 0, 0]],
    [
      "reports rejected credentials (token 401) as not retryable",
      { token: [status(401)] },
      { status: "failed", code: "roller_credentials_rejected" },
      [1, 0, 0],
    ],
  ];
  for (const [title, script, outcome, [tokens, bookings, cached]] of oneLookup) {
    it(title, async () => {
      const calls = rollerEmulator(script);
      expect(await lookup()).toEqual(outcome);
      expect([calls.token.length, calls.booking.length, cache.size]).toEqual([tokens, bookings, cached]);
    });
  }

  it("classifies 404, 5xx and unreadable answers", async () => {
    rollerEmulator({ booking: [status(404), status(503), () => new HttpResponse("<html>", { status: 200 })] });
    expect(await lookup()).toEqual({ status: "failed", code: "roller_booking_not_found" });
    expect(await lookup()).toEqual({ status: "retry", code: "roller_unavailable" });
    expect(await lookup()).toEqual({ status: "failed", code: "roller_bad_response" });
  });

  it("treats a network failure as retryable", async () => {
    server.use(http.post("https://roller.test/token", () => HttpResponse.error()));
    expect(await lookup()).toEqual({ status: "retry", code: "roller_unavailable" });
  });
});

describe("ROLLER booking detail mapper", () => {
  it("reads top-level and nested customer fields, wrapped or not", () => {
    expect(rollerBookingCustomer(rollerBookingFromResponse({ booking: fixtures.rollerDetail() }))).toEqual(TOM);
    expect(rollerBookingCustomer(rollerBookingFromResponse(fixtures.rollerDetail()))).toEqual(TOM);
    expect(rollerBookingCustomer({ name: "Ana Lima", contactNumber: "0400 000 000" })).toEqual({
      firstName: "Ana",
      lastName: "Lima",
      phone: "0400 000 000",
    });
    expect(rollerBookingCustomer(null)).toEqual({});
  });
});
