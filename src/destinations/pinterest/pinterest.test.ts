// Pinterest API for Conversions destination: payload, hashing, classification, emulator. Consent is
// tested end to end in pinterest.flow.test.ts and for every destination in test/destinations/registry.test.ts.
import { describe, expect, it } from "vitest";
import { sampleRelayEvent, SAMPLE_OCCURRED_AT } from "../../../test/helpers/events";
import { CUSTOMER_META_USER_DATA, SHA256 } from "../../../test/helpers/hash-vectors";
import type { RelayEvent } from "../../events/conversion";
import { hashIdentity } from "../../identity";
import { redactIdentifiers } from "../../routes/admin/redact-payload";
import { destinationRegistry } from "../registry";
import { classifyPinterestAnswer, PINTEREST_OUTCOMES } from "./classify";
import { pinterestApi } from "./emulator.mjs";
import { buildPinterestRequestBody, pinterestEventsUrl, pinterestPrecheck } from "./payload";
import { pinterestSettingsSchema, readPinterestSettings } from "./settings";

const occurredAt = SAMPLE_OCCURRED_AT;

const event = (overrides: Partial<RelayEvent> = {}) =>
  sampleRelayEvent("pinterest", {
    value: 49.5,
    items: [{ id: "SKU1", quantity: 2, price: 24.75 }],
    clickIds: { epik: "dj0yJnU9b2JDcFFHekV4", gclid: "g" },
    ...overrides,
  });

describe("Pinterest identity", () => {
  it("hashes each user_data field by Pinterest's rules, as one-element lists", async () => {
    // Meta's normalization but for the last name (lowercased only, punctuation kept) and the external id (as given).
    expect((await event()).identity.pinterest).toEqual({
      ...CUSTOMER_META_USER_DATA,
      ln: [SHA256["o'brien-smith"]],
      external_id: [SHA256["User-123"]],
    });
  });

  it("keeps only digits in a zip (a UK postcode is not sent) and passes a hash through once", async () => {
    const uk = await hashIdentity({ zip: "SW1A 1AA", country: "GB", email: "B".repeat(64) }, { families: new Set(["pinterest"]) });
    // SHA-256 of "gb".
    expect(uk.pinterest).toEqual({ em: ["b".repeat(64)], country: ["0b407281768f0e833afef47ed464b6571d01ca4d53c12ce5c51d1462f4ad6677"] });
    expect(uk.pinterest?.zp).toBeUndefined();
  });
});

describe("Pinterest request", () => {
  it("posts to the ad account's events, with ?test=true for validate-only destinations", () => {
    const live = readPinterestSettings(pinterestSettingsSchema.parse({ adAccountId: " 549755885175 " }));
    expect(pinterestEventsUrl("https://api.pinterest.com/", live)).toBe("https://api.pinterest.com/v5/ad_accounts/549755885175/events");
    const test = readPinterestSettings(pinterestSettingsSchema.parse({ adAccountId: "549755885175", validateOnly: true }));
    expect(pinterestEventsUrl("https://api.pinterest.com", test)).toBe(
      "https://api.pinterest.com/v5/ad_accounts/549755885175/events?test=true",
    );
    expect(pinterestSettingsSchema.safeParse({ adAccountId: "acct-1" }).success).toBe(false);
  });

  it("builds a web checkout with the order id as event_id, the epik click id and partner name", async () => {
    const e = await event();
    expect(buildPinterestRequestBody([e])).toEqual({
      data: [
        {
          event_name: "checkout",
          action_source: "web",
          event_time: occurredAt / 1000,
          event_id: "1001",
          partner_name: "ss-sluice",
          event_source_url: "https://shop.example/thanks",
          user_data: {
            ...e.identity.pinterest,
            client_ip_address: "203.0.113.7",
            client_user_agent: "Mozilla/5.0",
            click_id: "dj0yJnU9b2JDcFFHekV4",
          },
          custom_data: {
            currency: "EUR",
            value: "49.5",
            order_id: "1001",
            content_ids: ["SKU1"],
            contents: [{ id: "SKU1", quantity: 2, item_price: "24.75" }],
            num_items: 2,
          },
        },
      ],
    });
  });

  it("does not send an event Pinterest cannot match (no e-mail, no IP and user agent pair)", async () => {
    const e = await event({ identity: {}, client: { ip: "203.0.113.7" } });
    expect(pinterestPrecheck(e)).toBe("pinterest_user_data_missing");
    expect(destinationRegistry.pinterest.preview({ eventId: "x", event: e, decision: "send" }, {}, occurredAt)).toEqual({
      notSent: "pinterest_user_data_missing",
    });
  });

  it("shows no identifier in a redacted preview", async () => {
    const preview = destinationRegistry.pinterest.preview({ eventId: "e", event: await event(), decision: "send" }, {}, occurredAt);
    const shown = JSON.stringify(redactIdentifiers("body" in preview ? preview.body : preview));
    for (const secret of ["dj0yJnU9", "203.0.113.7", "Mozilla", SHA256["john.doe@example.com"]]) expect(shown).not.toContain(secret);
  });
});

describe("Pinterest answers", () => {
  const ok = {
    num_events_received: 2,
    num_events_processed: 1,
    events: [{ status: "processed" }, { status: "failed", error_message: "x" }],
  };

  it("reads per-event statuses from 200 and from a 422's details", () => {
    expect(classifyPinterestAnswer(200, ok, 2)).toEqual({
      perItem: [{ status: "delivered" }, { status: "failed", code: "pinterest_event_failed" }],
    });
    expect(classifyPinterestAnswer(422, { code: 1, message: "m", details: ok }, 2)).toEqual({
      perItem: [{ status: "delivered" }, { status: "failed", code: "pinterest_event_failed" }],
    });
    expect(classifyPinterestAnswer(422, { code: 1, message: "m", details: {} }, 2)).toEqual({
      outcome: { status: "failed", code: "pinterest_event_failed" },
      splittable: true,
    });
    expect(classifyPinterestAnswer(200, { events: [] }, 2)).toEqual({
      outcome: { status: "retry", code: "malformed_response" },
      splittable: false,
    });
  });

  it("classifies the documented statuses into the closed vocabulary", () => {
    const cases: Array<[number, string, string, boolean]> = [
      [400, "failed", "pinterest_invalid_request", true],
      [401, "hold", "pinterest_auth_failed", false],
      [403, "hold", "pinterest_forbidden", false],
      [429, "retry", "pinterest_rate_limited", false],
      [503, "retry", "pinterest_server_error", false],
      [500, "retry", "pinterest_server_error", false],
      [418, "retry", "pinterest_unknown_error", false],
    ];
    for (const [status, expected, code, splittable] of cases) {
      const answer = classifyPinterestAnswer(status, { code: 0, message: "" }, 1);
      expect(answer).toMatchObject({ outcome: { status: expected, code }, splittable });
      expect(PINTEREST_OUTCOMES[code as keyof typeof PINTEREST_OUTCOMES]).toBe(expected);
    }
    expect(classifyPinterestAnswer(429, {}, 1, 60_000)).toMatchObject({ outcome: { retryAfterMs: 60_000 } });
  });
});

describe("Pinterest emulator", () => {
  const call = (body: unknown, path = "/v5/ad_accounts/549755885175/events", token = "Bearer tok") =>
    pinterestApi.handle(
      { method: "POST", path, query: {}, headers: { authorization: token }, contentType: "application/json", body },
      { now: () => occurredAt },
    );

  it("answers per event, 422 when one failed, and the documented errors", async () => {
    const body = buildPinterestRequestBody([await event()]);
    expect(call(body)).toEqual({
      status: 200,
      body: {
        num_events_received: 1,
        num_events_processed: 1,
        events: [{ status: "processed", error_message: null, warning_message: null }],
      },
    });
    const unmatched = buildPinterestRequestBody([await event(), await event({ identity: {}, client: {} })]);
    expect(call(unmatched)).toMatchObject({
      status: 422,
      body: { details: { num_events_processed: 1, events: [{ status: "processed" }, { status: "failed" }] } },
    });
    expect(call(body, undefined, "")).toMatchObject({ status: 401, body: { code: 2 } });
    expect(call(body, "/v5/ad_accounts/403000/events")).toMatchObject({ status: 403, body: { code: 29 } });
    expect(call(body, "/v5/ad_accounts/429000/events")).toMatchObject({ status: 429, body: { code: 8 }, headers: { "retry-after": "60" } });
    expect(call({ data: [{ event_name: "purchase" }] })).toMatchObject({ status: 400, body: { code: 4196 } });
  });
});
