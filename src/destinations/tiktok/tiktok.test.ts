// TikTok Events API destination: payload, hashing, classification and the emulator. Consent is
// tested end to end in tiktok.flow.test.ts and for every destination in test/destinations/registry.test.ts.
import { describe, expect, it } from "vitest";
import type { RelayEvent } from "../../events/conversion";
import { sampleRelayEvent, SAMPLE_OCCURRED_AT } from "../../../test/helpers/events";
import { hashIdentity } from "../../identity";
import { redactIdentifiers } from "../../routes/admin/redact-payload";
import { destinationRegistry } from "../registry";
import { TIKTOK_OUTCOMES, classifyTikTokAnswer } from "./classify";
import { tiktokApi, TIKTOK_TRACK_PATH } from "./emulator.mjs";
import { buildTikTokRequestBody, tiktokTrackUrl } from "./payload";
import { readTikTokSettings, tiktokSettingsSchema } from "./settings";

const occurredAt = SAMPLE_OCCURRED_AT;
const settings = readTikTokSettings(tiktokSettingsSchema.parse({ pixelCode: "C4ABCDEF0123456789AB", testEventCode: "TEST42" }));

const event = (overrides: Partial<RelayEvent> = {}) =>
  sampleRelayEvent("tiktok", { clickIds: { ttclid: "E.C.P.abc123", ttp: "2F7h37YkS1j57AYSKTI7IHhJPYH", fbp: "fb.1.1.1" }, ...overrides });

describe("TikTok identity", () => {
  it("hashes email (trimmed, lower-cased), phone (E.164 with +) and external id (trimmed, case kept)", async () => {
    const { identity } = await event();
    // SHA-256 of "john.doe@example.com", "+16505551212" and "User-123".
    expect(identity).toEqual({
      tiktok: {
        email: "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f",
        phone: "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8",
        external_id: "9fd04ee71c44e21cddbd6c9eab81e2d21324f0ace8ec10cbb929b3390625fc9e",
      },
    });
  });

  it("passes a value already hashed through once and drops what cannot be read", async () => {
    const hashed = "A".repeat(64);
    const identity = await hashIdentity({ email: hashed, phone: "12", externalId: "   " }, { families: new Set(["tiktok"]) });
    expect(identity.tiktok).toEqual({ email: "a".repeat(64) });
  });
});

describe("TikTok request", () => {
  it("builds the web event body: pixel code, order id as event_id, hashed user, click ids, contents", async () => {
    expect(tiktokTrackUrl("https://business-api.tiktok.com/")).toBe("https://business-api.tiktok.com/open_api/v1.3/event/track/");
    const e = await event();
    expect(buildTikTokRequestBody([e], settings)).toEqual({
      event_source: "web",
      event_source_id: "C4ABCDEF0123456789AB",
      test_event_code: "TEST42",
      data: [
        {
          event: "CompletePayment",
          event_time: occurredAt / 1000,
          event_id: "1001",
          user: {
            ...e.identity.tiktok,
            ttclid: "E.C.P.abc123",
            ttp: "2F7h37YkS1j57AYSKTI7IHhJPYH",
            ip: "203.0.113.7",
            user_agent: "Mozilla/5.0",
          },
          properties: {
            currency: "EUR",
            value: 49,
            order_id: "1001",
            content_type: "product",
            contents: [{ content_id: "SKU1", content_type: "product", quantity: 2, price: 24.5 }],
          },
          page: { url: "https://shop.example/thanks" },
        },
      ],
    });
  });

  it("shows no identifier in a redacted preview", async () => {
    const preview = destinationRegistry.tiktok.preview(
      { eventId: "e", event: await event(), decision: "send" },
      { ...settings },
      occurredAt,
    );
    const shown = JSON.stringify(redactIdentifiers("body" in preview ? preview.body : preview));
    for (const secret of ["E.C.P.abc123", "2F7h37Yk", "203.0.113.7", "Mozilla", "836f82db"]) expect(shown).not.toContain(secret);
  });
});

describe("TikTok answers", () => {
  it("classifies codes into the closed vocabulary, each with its retry class", () => {
    const cases: Array<[number, unknown, string, string]> = [
      [200, { code: 0, message: "OK" }, "delivered", ""],
      [200, { code: 40100, message: "Too many requests" }, "retry", "tiktok_rate_limited"],
      [429, undefined, "retry", "tiktok_rate_limited"],
      [200, { code: 40105, message: "token" }, "hold", "tiktok_token_invalid"],
      [200, { code: 40104, message: "token" }, "hold", "tiktok_token_invalid"],
      [200, { code: 40001, message: "no permission" }, "hold", "tiktok_permission_denied"],
      [200, { code: 40002, message: "bad param" }, "failed", "tiktok_invalid_event"],
      [200, { code: 50000, message: "system error" }, "retry", "tiktok_server_error"],
      [503, undefined, "retry", "tiktok_server_error"],
      [200, { code: 41234 }, "retry", "tiktok_unknown_error"],
      [200, "not json", "retry", "malformed_response"],
    ];
    for (const [status, body, expected, code] of cases) {
      const { outcome } = classifyTikTokAnswer(status, body);
      expect(outcome.status, JSON.stringify(body)).toBe(expected);
      if ("code" in outcome) {
        expect(outcome.code).toBe(code);
        expect(TIKTOK_OUTCOMES[outcome.code as keyof typeof TIKTOK_OUTCOMES]).toBe(expected);
      }
    }
    expect(classifyTikTokAnswer(200, { code: 40002 }).splittable).toBe(true);
    expect(classifyTikTokAnswer(200, { code: 40105 }).splittable).toBe(false);
    expect(classifyTikTokAnswer(429, {}, 5000).outcome).toEqual({ status: "retry", code: "tiktok_rate_limited", retryAfterMs: 5000 });
  });
});

describe("TikTok emulator", () => {
  const call = (body: unknown, headers: Record<string, string> = { "access-token": "tok" }) =>
    tiktokApi.handle(
      { method: "POST", path: TIKTOK_TRACK_PATH, query: {}, headers, contentType: "application/json", body },
      { now: () => occurredAt + 60_000 },
    );

  it("answers code 0 for a valid batch and the documented codes otherwise", async () => {
    const body = buildTikTokRequestBody([await event()], settings);
    expect(call(body)).toMatchObject({ status: 200, body: { code: 0, message: "OK" } });
    expect(call(body, {})).toMatchObject({ status: 200, body: { code: 40105 } });
    expect(call({ ...body, event_source_id: "RATELIMIT000" })).toMatchObject({ body: { code: 40100 } });
    expect(call({ ...body, event_source_id: "FORBIDDEN0000" })).toMatchObject({ body: { code: 40001 } });
    const raw = { ...body, data: [{ ...(body.data as object[])[0], user: { email: "john@example.com" } }] };
    expect(call(raw)).toMatchObject({ body: { code: 40002, message: "data[0].user.email must be SHA-256 hashed (64 lowercase hex)" } });
    expect(call({ ...body, data: Array.from({ length: 1001 }, () => (body.data as object[])[0]) })).toMatchObject({
      body: { code: 40002 },
    });
  });
});

describe("TikTok batches", () => {
  it("halves a batch TikTok refuses for one invalid event until only that event fails", async () => {
    const now = occurredAt + 60_000;
    const requests: unknown[] = [];
    const fetchToEmulator = (async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      requests.push(body);
      const headers = Object.fromEntries(
        Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
      );
      const answer = tiktokApi.handle(
        { method: "POST", path: TIKTOK_TRACK_PATH, query: {}, headers, contentType: "application/json", body },
        { now: () => now },
      );
      return Response.json(answer.body, { status: answer.status });
    }) as unknown as typeof fetch;
    const items = await Promise.all(
      ["a", "b", "c", "d"].map(async (id) => ({
        eventId: id,
        // "c" claims to have happened tomorrow: TikTok refuses the whole request for it.
        event: await event({ orderId: id, occurredAt: id === "c" ? now + 86_400_000 : occurredAt }),
        decision: "send" as const,
      })),
    );
    const outcomes = await destinationRegistry.tiktok.send(items, {
      scope: { tenantId: "t", destinationId: "tiktok" },
      settings: { ...settings },
      credentials: { accessToken: "tok" },
      env: { TIKTOK_API_BASE: "https://tiktok.test" } as Env,
      now,
      fetch: fetchToEmulator,
    });
    expect(outcomes.map((o) => o.status)).toEqual(["delivered", "delivered", "failed", "delivered"]);
    expect(outcomes[2]).toEqual({ status: "failed", code: "tiktok_invalid_event" });
    // One request for all four, then halves: [a, b] ok, [c, d] refused, then c and d alone.
    expect(requests.map((r: any) => r.data.map((e: any) => e.event_id))).toEqual([
      ["a", "b", "c", "d"],
      ["a", "b"],
      ["c", "d"],
      ["c"],
      ["d"],
    ]);
  });
});
