import { describe, expect, it } from "vitest";
import { classifyMetaError } from "../../src/destinations/meta/classify";
import { buildMetaRequestBody, metaEventsUrl, metaPrecheck, readMetaSettings } from "../../src/destinations/meta/payload";
import type { RelayEvent } from "../../src/events/conversion";

const occurredAt = Date.parse("2026-11-22T10:00:00Z");
/** When the relay sends: a minute after the purchase. */
const sentAt = occurredAt + 60_000;
const event: RelayEvent = {
  sourceId: "shop",
  dedupKey: "1001",
  orderId: "1001",
  eventName: "Purchase",
  occurredAt,
  value: 49,
  currency: "EUR",
  items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
  clickIds: { fbc: "fb.1.1767225000000.AbC", fbp: "fb.1.1767000000000.123", gclid: "g-1" },
  client: { ip: "203.0.113.7", userAgent: "UA/1.0", pageUrl: "https://shop.example/thanks" },
  subjectKeys: [],
  identity: { meta: { em: ["a".repeat(64)], ph: ["b".repeat(64)] } },
};
const settings = readMetaSettings({ pixelId: "123", apiVersion: "v25.0", actionSource: "website", testEventCode: "TEST1" });

describe("Meta request", () => {
  it("builds the Conversions API body Meta documents for a website purchase", () => {
    expect(buildMetaRequestBody([event], settings, sentAt)).toEqual({
      data: [
        {
          event_name: "Purchase",
          event_time: occurredAt / 1000,
          event_id: "1001",
          action_source: "website",
          event_source_url: "https://shop.example/thanks",
          user_data: {
            em: ["a".repeat(64)],
            ph: ["b".repeat(64)],
            client_ip_address: "203.0.113.7",
            client_user_agent: "UA/1.0",
            fbc: "fb.1.1767225000000.AbC",
            fbp: "fb.1.1767000000000.123",
          },
          custom_data: {
            currency: "EUR",
            value: 49,
            order_id: "1001",
            contents: [{ id: "SKU1", quantity: 2, item_price: 24.5 }],
            content_ids: ["SKU1"],
            content_type: "product",
            num_items: 2,
          },
        },
      ],
      test_event_code: "TEST1",
    });
  });

  it("builds fbc from a bare fbclid with subdomain index 1, keeping its case", () => {
    const body = buildMetaRequestBody([{ ...event, clickIds: { fbclid: "IwAR-XyZ" } }], settings, sentAt) as any;
    expect(body.data[0].user_data.fbc).toBe(`fb.1.${occurredAt}.IwAR-XyZ`);
  });

  it("drops a malformed fbc or fbp instead of altering it, falling back to the fbclid", () => {
    const body = buildMetaRequestBody(
      [{ ...event, clickIds: { fbc: "fb.1.not-a-timestamp.x", fbp: "fbp-garbage", fbclid: "IwAR-Z" } }],
      settings,
      sentAt,
    ) as any;
    expect(body.data[0].user_data.fbc).toBe(`fb.1.${occurredAt}.IwAR-Z`);
    expect(body.data[0].user_data).not.toHaveProperty("fbp");
    const none = buildMetaRequestBody([{ ...event, clickIds: { fbc: "fb.1.123.x" } }], settings, sentAt) as any;
    expect(none.data[0].user_data).not.toHaveProperty("fbc");
  });

  it("addresses {base}/{version}/{pixel}/events", () => {
    expect(metaEventsUrl("https://graph.facebook.com/", settings)).toBe("https://graph.facebook.com/v25.0/123/events");
  });

  it("never sends events older than 7 days, nor website events without browser context", () => {
    expect(metaPrecheck(event, settings, occurredAt + 6 * 86_400_000)).toBeUndefined();
    expect(metaPrecheck(event, settings, occurredAt + 7 * 86_400_000 + 1)).toBe("event_too_old");
    expect(metaPrecheck({ ...event, client: {} }, settings, occurredAt)).toBe("website_context_missing");
    expect(metaPrecheck({ ...event, client: {} }, { ...settings, actionSource: "physical_store" }, occurredAt)).toBeUndefined();
  });
});

describe("Meta error classification (https://developers.facebook.com/docs/graph-api/guides/error-handling)", () => {
  it.each([
    [429, 4, "retry"],
    [400, 17, "retry"],
    [400, 613, "retry"],
    [400, 80003, "retry"],
    [500, 1, "retry"],
    [503, 2, "retry"],
    [400, 100, "failed"],
    [400, 105, "failed"],
    [400, 190, "hold"],
    [400, 102, "hold"],
    [400, 3, "hold"],
    [403, 200, "hold"],
    [403, 299, "hold"],
    [400, 10, "hold"],
  ])("HTTP %i code %i → %s", (status, code, expected) => {
    expect(classifyMetaError(status, { code }).status).toBe(expected);
  });

  it("records Meta's code and subcode", () => {
    expect(classifyMetaError(400, { code: 100, error_subcode: 2804003 })).toEqual({ status: "failed", code: "meta_100_2804003" });
  });

  it("retries 5xx without a body and carries Retry-After", () => {
    expect(classifyMetaError(502, undefined, 30_000)).toEqual({ status: "retry", code: "http_502", retryAfterMs: 30_000 });
  });
});
