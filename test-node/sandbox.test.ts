// The destination sandbox answers like Meta's Conversions API
// (https://developers.facebook.com/docs/marketing-api/conversions-api),
// and its fault plans fail on purpose, reproducibly. Runs in Node (vitest.node.config.ts).
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/server.mjs";
import { computeSignature, signStandardWebhook, verifyStandardWebhook } from "../scripts/lib/standard-webhooks.mjs";

const NOW_MS = Date.parse("2026-11-22T10:00:00Z");
const NOW_S = Math.floor(NOW_MS / 1000);
const TOKEN = "EAAB-test-token-123";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_name: "Purchase",
    event_time: NOW_S - 30,
    event_id: "order-1001",
    action_source: "website",
    event_source_url: "https://shop.example/checkout/thanks",
    user_data: {
      em: [sha("jane.doe@example.com")],
      ph: [sha("16505551212")],
      client_ip_address: "203.0.113.7",
      client_user_agent: "Mozilla/5.0",
      fbc: `fb.1.${NOW_MS - 60_000}.IwAR0abcDEF`,
      fbp: `fb.1.${NOW_MS - 86_400_000}.1234567890`,
    },
    custom_data: { value: 49, currency: "USD", order_id: "1001" },
    ...overrides,
  };
}

function userData(overrides: Record<string, unknown>) {
  return { ...event().user_data, ...overrides };
}

let sandbox: Sandbox;
let logLines: string[];

beforeEach(async () => {
  logLines = [];
  sandbox = await startSandbox({ now: () => NOW_MS, log: (l) => logLines.push(l), seed: 7 });
});
afterEach(async () => {
  await sandbox.close();
});

const eventsUrl = (path = "/v25.0/1234567890/events") => `${sandbox.url}/meta${path}`;

async function post(body: unknown, init: { token?: string | null; path?: string; signal?: AbortSignal } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  return fetch(eventsUrl(init.path), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function expectGraphError(res: Response, status: number, code: number, subcode?: number) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(body.error.type).toBeTypeOf("string");
  expect(body.error.code).toBe(code);
  if (subcode !== undefined) expect(body.error.error_subcode).toBe(subcode);
  expect(body.error.fbtrace_id).toMatch(/^[\w-]{10,}$/);
  return body.error;
}

describe("Meta Conversions API emulation", () => {
  it("accepts a valid batch with Meta's success body and records it, token redacted", async () => {
    const res = await post({ data: [event(), event({ event_id: "order-1002" })], test_event_code: "TEST12345" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ events_received: 2, messages: [], fbtrace_id: expect.any(String) });

    const [rec] = sandbox.requests();
    expect(rec).toMatchObject({
      api: "meta",
      method: "POST",
      path: "/meta/v25.0/1234567890/events",
      events: 2,
      testEventCode: "TEST12345",
      response: { status: 200, body },
    });
    expect(rec?.headers.authorization).toBe("Bearer [redacted]");
    expect(JSON.stringify(rec)).not.toContain(TOKEN);
    expect(rec?.receivedAt).toBe(new Date(NOW_MS).toISOString());
  });

  it("takes the token from the query or the body too, and redacts both", async () => {
    const q = await fetch(`${eventsUrl()}?access_token=${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: [event()] }),
    });
    expect(q.status).toBe(200);
    const b = await post({ data: [event()], access_token: TOKEN }, { token: null });
    expect(b.status).toBe(200);
    const [first, second] = sandbox.requests();
    expect(first?.query.access_token).toBe("[redacted]");
    expect((second?.body as Record<string, unknown> | undefined)?.access_token).toBe("[redacted]");
    expect(JSON.stringify(sandbox.requests())).not.toContain(TOKEN);
  });

  it("accepts the form encoding (data as a JSON string) and records the events parsed", async () => {
    const form = new URLSearchParams({ data: JSON.stringify([event()]), access_token: TOKEN, test_event_code: "T1" });
    const res = await fetch(eventsUrl(), { method: "POST", body: form });
    expect(res.status).toBe(200);
    const [rec] = sandbox.requests();
    expect(rec?.events).toBe(1);
    expect(rec?.testEventCode).toBe("T1");
    expect(Array.isArray((rec?.body as { data: unknown } | undefined)?.data)).toBe(true);
  });

  it("answers a missing token like Graph: 400, code 104", async () => {
    const err = await expectGraphError(await post({ data: [event()] }, { token: null }), 400, 104);
    expect(err).toMatchObject({ type: "OAuthException", message: "An access token is required to request this resource." });
  });

  it('answers the token "invalid" like Graph: 401, code 190', async () => {
    const err = await expectGraphError(await post({ data: [event()] }, { token: "invalid" }), 401, 190);
    expect(err).toMatchObject({ type: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token" });
  });

  it("rejects an event_time in milliseconds", async () => {
    const err = await expectGraphError(await post({ data: [event({ event_time: NOW_MS })] }), 400, 100, 2804004);
    expect(err.error_user_msg).toMatch(/milliseconds/);
  });

  it("rejects an event_time more than a minute in the future, accepts small skew", async () => {
    await expectGraphError(await post({ data: [event({ event_time: NOW_S + 120 })] }), 400, 100, 2804004);
    expect((await post({ data: [event({ event_time: NOW_S + 30 })] })).status).toBe(200);
  });

  it("rejects an event older than 7 days with 100/2804003 and Meta's exact envelope", async () => {
    const res = await post({ data: [event({ event_time: NOW_S - 7 * 86_400 - 60 })] });
    const err = await expectGraphError(res, 400, 100, 2804003);
    expect(Object.keys(err).sort()).toEqual(
      ["code", "error_subcode", "error_user_msg", "error_user_title", "fbtrace_id", "is_transient", "message", "type"].sort(),
    );
    expect(err).toMatchObject({
      message: "Invalid parameter",
      type: "OAuthException",
      is_transient: false,
      error_user_title: "Event Timestamp Too Old",
    });
    // just inside the window is fine
    expect((await post({ data: [event({ event_time: NOW_S - 7 * 86_400 + 60 })] })).status).toBe(200);
  });

  it("uses the injected clock: an event valid by the real clock is too old by the sandbox's", async () => {
    const later = await startSandbox({ now: () => NOW_MS + 8 * 86_400_000, log: false });
    try {
      const res = await fetch(`${later.url}/meta/v25.0/1234567890/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ data: [event()] }),
      });
      await expectGraphError(res, 400, 100, 2804003);
    } finally {
      await later.close();
    }
  });

  it("rejects the whole batch when one event is invalid", async () => {
    const res = await post({ data: [event(), event({ event_id: "x", event_time: NOW_S - 10 * 86_400 }), event()] });
    await expectGraphError(res, 400, 100, 2804003);
    const [rec] = sandbox.requests();
    expect(rec?.events).toBe(3);
    expect(rec?.response.status).toBe(400);
  });

  it("rejects a badly formatted fbc with 100/2804001", async () => {
    for (const fbc of ["IwAR0abc", "fb.1.1795300000.IwAR0abc", "fb.x.1795300000000.IwAR0abc"]) {
      await expectGraphError(await post({ data: [event({ user_data: userData({ fbc }) })] }), 400, 100, 2804001);
    }
    // the Parameter Builder's appendix is passed through and accepted
    const ok = await post({ data: [event({ user_data: userData({ fbc: `fb.1.${NOW_MS}.IwAR0abc.AbCdEfGh` }) })] });
    expect(ok.status).toBe(200);
  });

  it("rejects unhashed or upper-case-hex identifiers", async () => {
    const raw = await post({ data: [event({ user_data: userData({ em: "jane.doe@example.com" }) })] });
    const err = await expectGraphError(raw, 400, 100, 2804016);
    expect(err.error_user_msg).toMatch(/user_data\.em/);
    const upper = sha("jane.doe@example.com").toUpperCase();
    await expectGraphError(await post({ data: [event({ user_data: userData({ em: [upper] }) })] }), 400, 100, 2804016);
    for (const key of ["ph", "fn", "ln", "ct", "st", "zp", "country", "db", "ge"]) {
      await expectGraphError(await post({ data: [event({ user_data: userData({ [key]: "plain" }) })] }), 400, 100, 2804016);
    }
    // external_id may be sent unhashed
    expect((await post({ data: [event({ user_data: userData({ external_id: "cust-1" }) })] })).status).toBe(200);
  });

  it("requires what Meta requires of each event", async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ event_name: undefined }, 2804008],
      [{ event_time: undefined }, 2804008],
      [{ event_time: "2026-11-22T10:00:00Z" }, 2804004],
      [{ action_source: undefined }, 2804008],
      [{ action_source: "webshop" }, 2804007],
      [{ event_source_url: undefined }, 2804008],
      [{ event_source_url: "shop.example/thanks" }, 2804017],
      [{ user_data: undefined }, 2804008],
      [{ user_data: userData({ client_user_agent: undefined }) }, 2804008],
      [{ user_data: userData({ client_ip_address: "999.1.1.1" }) }, 2804016],
      [{ user_data: { client_user_agent: "Mozilla/5.0" } }, 2804050],
      [{ custom_data: { currency: "USD" } }, 2804019],
      [{ custom_data: { value: "49.00", currency: "USD" } }, 2804019],
      [{ custom_data: { value: 49 } }, 2804019],
      [{ custom_data: { value: 49, currency: "EURO" } }, 2804019],
      [{ custom_data: { value: 49, currency: "XYZ" } }, 2804019],
    ];
    for (const [overrides, subcode] of cases) {
      const res = await post({ data: [event(overrides)] });
      expect({ overrides, status: res.status, subcode: ((await res.json()) as any).error?.error_subcode }).toEqual({
        overrides,
        status: 400,
        subcode,
      });
    }
    // not a website event: no URL or user agent needed; lowercase currency is accepted like Graph does
    const offline = event({ action_source: "physical_store", event_source_url: undefined, custom_data: { value: 5, currency: "eur" } });
    expect((await post({ data: [offline] })).status).toBe(200);
  });

  it("checks the batch: data required, 1..1000 events", async () => {
    await expectGraphError(await post({}), 400, 100);
    await expectGraphError(await post({ data: [] }), 400, 100);
    await expectGraphError(await post({ data: { event_name: "Purchase" } }), 400, 100);
    const many = Array.from({ length: 1001 }, (_, i) => event({ event_id: `o${i}` }));
    await expectGraphError(await post({ data: many }), 400, 100);
    expect((await post({ data: many.slice(0, 1000) })).status).toBe(200);
  });

  it("answers bad paths like Graph", async () => {
    await expectGraphError(await post({ data: [event()] }, { path: "/v25/1234567890/events" }), 400, 100, 33);
    await expectGraphError(await post({ data: [event()] }, { path: "/v25.0/my-pixel/events" }), 400, 100, 33);
    await expectGraphError(await post({ data: [event()] }, { path: "/v25.0/1234567890/evnts" }), 400, 2500);
  });

  it("answers an unknown numeric pixel id with 100/33 and a retired version with 2635, like Graph", async () => {
    const unknown = await post({ data: [event()] }, { path: "/v25.0/999000111/events" });
    const body = await expectGraphError(unknown, 400, 100, 33);
    expect(body).toMatchObject({
      type: "GraphMethodException",
      message: expect.stringMatching(/^Unsupported post request\. Object with ID '999000111' does not exist/),
    });
    const retired = await post({ data: [event()] }, { path: "/v19.0/1234567890/events" });
    const old = await expectGraphError(retired, 400, 2635);
    expect(old.message).toMatch(/deprecated version/);
    expect((await post({ data: [event()] }, { path: "/v25.0/1234567890/events" })).status).toBe(200);
  });

  it("logs one line per request with api, status and count, never the token or a hash", async () => {
    await post({ data: [event()], test_event_code: "TEST12345" });
    await post({ data: [event({ user_data: userData({ em: "jane@example.com" }) })] });
    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatch(/meta POST \/meta\/v25\.0\/1234567890\/events -> 200 events=1 test_event_code=TEST12345/);
    expect(logLines[1]).toMatch(/-> 400 events=1 error=100\/2804016/);
    const all = logLines.join("\n");
    expect(all).not.toContain(TOKEN);
    expect(all).not.toMatch(/[0-9a-f]{64}/);
    expect(all).not.toContain("jane@example.com");
  });

  it("records requests to the not-yet-emulated APIs and answers 501", async () => {
    const res = await fetch(`${sandbox.url}/roller/bookings/B-1`, { headers: { authorization: "Bearer roller.secret" } });
    expect(res.status).toBe(501);
    const [rec] = sandbox.requests();
    expect(rec?.api).toBe("roller");
    expect(JSON.stringify(rec)).not.toMatch(/roller\.secret/);
  });

  it("answers the Google Ads API as Google does, and redacts its credentials", async () => {
    const res = await fetch(`${sandbox.url}/google-ads/v25/customers/1234567890:uploadClickConversions`, {
      method: "POST",
      headers: { authorization: "Bearer ya29.secret", "developer-token": "dev-secret" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    const [rec] = sandbox.requests();
    expect(rec?.api).toBe("google-ads");
    expect(JSON.stringify(rec)).not.toMatch(/ya29\.secret|dev-secret/);
  });

  it("redacts TikTok's Access-Token header in the record and on the page", async () => {
    const res = await fetch(`${sandbox.url}/tiktok/open_api/v1.3/event/track/`, {
      method: "POST",
      headers: { "access-token": "tiktok.secret", "content-type": "application/json" },
      body: JSON.stringify({
        event_source: "web",
        event_source_id: "C4ABCDEF0123456789AB",
        data: [{ event: "CompletePayment", event_time: NOW_S }],
      }),
    });
    expect(await res.json()).toMatchObject({ code: 0 });
    const [rec] = sandbox.requests({ api: "tiktok" });
    expect(rec?.headers["access-token"]).toBe("[redacted]");
    expect(JSON.stringify(rec)).not.toContain("tiktok.secret");
    expect(await (await fetch(`${sandbox.url}/`)).text()).not.toContain("tiktok.secret");
  });
});

describe("fault plans", () => {
  it("status 500: Graph's transient error body", async () => {
    sandbox.setFaults([{ api: "meta", times: 1, response: { status: 500 } }]);
    const err = await expectGraphError(await post({ data: [event()] }), 500, 2);
    expect(err.is_transient).toBe(true);
    expect((await post({ data: [event()] })).status).toBe(200); // times: 1 is spent
    expect(sandbox.requests().map((r) => r.fault)).toEqual(["status(500)", undefined]);
  });

  it("status 429 with Retry-After", async () => {
    sandbox.setFaults([{ times: 1, response: { status: 429, retryAfter: 30 } }]);
    const res = await post({ data: [event()] });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("30");
    await expectGraphError(res, 429, 4);
  });

  it("a custom body and status are sent as given", async () => {
    sandbox.setFaults([{ times: 1, response: { status: 503, body: { oops: true } } }]);
    const res = await post({ data: [event()] });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ oops: true });
  });

  it("meta_error: 500 when transient or code 1/2, 400 otherwise", async () => {
    sandbox.setFaults([
      { times: 1, response: { meta_error: { code: 2 } } },
      { times: 1, response: { meta_error: { code: 17, is_transient: true } } },
      { times: 1, response: { meta_error: { code: 100, subcode: 2804019, message: "Invalid parameter" } } },
      { times: 1, response: { meta_error: { code: 190, subcode: 460 } } },
    ]);
    await expectGraphError(await post({ data: [event()] }), 500, 2);
    await expectGraphError(await post({ data: [event()] }), 500, 17);
    const e100 = await expectGraphError(await post({ data: [event()] }), 400, 100, 2804019);
    expect(e100.is_transient).toBe(false);
    const e190 = await expectGraphError(await post({ data: [event()] }), 400, 190, 460);
    expect(e190.type).toBe("OAuthException");
  });

  it("timeoutMs: the client gives up (and a short hold then answers normally)", async () => {
    sandbox.setFaults([{ times: 1, response: { timeoutMs: 5_000 } }]);
    await expect(post({ data: [event()] }, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sandbox.requests()[0]).toMatchObject({ pending: true, fault: "timeout(5000ms)" });

    sandbox.setFaults([{ times: 1, response: { timeoutMs: 300 } }]);
    const started = Date.now();
    const res = await post({ data: [event()] });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    sandbox.setFaults([{ times: 1, response: { timeoutMs: 50, then: { status: 503 } } }]);
    expect((await post({ data: [event()] })).status).toBe(503);
  });

  it("malformedJson: a 200 whose body does not parse", async () => {
    sandbox.setFaults([{ times: 1, response: { malformedJson: true } }]);
    const res = await post({ data: [event()] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    await expect(res.json()).rejects.toThrow();
  });

  it("reset: the connection is destroyed and fetch throws", async () => {
    sandbox.setFaults([{ times: 1, response: { reset: true } }]);
    await expect(post({ data: [event()] })).rejects.toThrow(TypeError);
    expect(sandbox.requests()[0]).toMatchObject({ fault: "reset", response: { status: 0 } });
    expect((await post({ data: [event()] })).status).toBe(200);
  });

  it("times: exactly the next n matching requests; match.pathIncludes and api filter", async () => {
    sandbox.setFaults([
      { api: "google-ads", response: { status: 500 } },
      { match: { pathIncludes: "/999/" }, response: { status: 500 } },
      { api: "meta", times: 2, response: { status: 503 } },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post({ data: [event()] })).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect((await post({ data: [event()] }, { path: "/v25.0/999/events" })).status).toBe(500);
  });

  it("rate: a seeded PRNG gives the same pattern for the same seed", async () => {
    const pattern = async (sb: Sandbox, seed: number) => {
      sb.setFaults({ seed, rules: [{ rate: 0.5, response: { status: 503 } }] });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${sb.url}/meta/v25.0/1234567890/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ data: [event()] }),
        });
        out.push(res.status);
      }
      return out;
    };
    const other = await startSandbox({ now: () => NOW_MS, log: false });
    try {
      const a = await pattern(sandbox, 42);
      const b = await pattern(other, 42);
      const c = await pattern(other, 43);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const failures = a.filter((s) => s === 503).length;
      expect(failures).toBeGreaterThan(8);
      expect(failures).toBeLessThan(32);
    } finally {
      await other.close();
    }
  });

  it("rate 0 never fires, rate 1 always does", async () => {
    sandbox.setFaults([{ rate: 0, response: { status: 500 } }]);
    expect((await post({ data: [event()] })).status).toBe(200);
    sandbox.setFaults([{ rate: 1, response: { status: 500 } }]);
    expect((await post({ data: [event()] })).status).toBe(500);
  });

  it("rejects an invalid plan", () => {
    expect(() => sandbox.setFaults([{ response: {} as never }])).toThrow(/response needs one of/);
    expect(() => sandbox.setFaults([{ rate: 2, response: { status: 500 } }])).toThrow(/rate/);
    expect(() => sandbox.setFaults([{ times: 0, response: { status: 500 } }])).toThrow(/times/);
  });
});

describe("control routes", () => {
  it("POST/GET/DELETE /__sandbox/faults and /__sandbox/requests", async () => {
    const set = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ times: 1, response: { status: 503, retryAfter: 5 } }]),
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { rules: unknown[] }).rules).toHaveLength(1);
    expect((await post({ data: [event()] })).status).toBe(503);
    const faults = (await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()) as { rules: Array<{ remaining: number }> };
    expect(faults.rules[0]?.remaining).toBe(0);

    const bad = await fetch(`${sandbox.url}/__sandbox/faults`, { method: "POST", body: '[{"response":{"status":"x"}}]' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe("invalid_fault_plan");

    const list = (await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as unknown[];
    expect(list).toHaveLength(1);
    expect((await fetch(`${sandbox.url}/__sandbox/requests`, { method: "DELETE" })).status).toBe(200);
    expect(sandbox.requests()).toHaveLength(0);
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" })).status).toBe(200);
    expect((await post({ data: [event()] })).status).toBe(200);
  });

  it("GET / lists requests with every value escaped", async () => {
    await post({ data: [event()], test_event_code: '<script>alert("x")</script>' });
    const res = await fetch(`${sandbox.url}/`);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain('http-equiv="refresh"');
    expect(html).toContain("/meta/v25.0/1234567890/events");
    expect(html).not.toContain(TOKEN);
  });
});

describe("Standard Webhooks signing (scripts/lib)", () => {
  it("matches the specification's reference vector", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    expect(computeSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    const headers = signStandardWebhook({ secret, body, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330 });
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(verifyStandardWebhook({ secret, body, headers, nowSeconds: 1614265330 })).toBe(true);
    expect(verifyStandardWebhook({ secret, body: `${body} `, headers, nowSeconds: 1614265330 })).toBe(false);
    expect(verifyStandardWebhook({ secret, body, headers, nowSeconds: 1614265330 + 301 })).toBe(false);
  });
});
