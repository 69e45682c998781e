import { describe, expect, it } from "vitest";
import { blamedEventIndex, classifyMetaError, isInvalidEventError } from "../../src/destinations/meta/classify";
import { metaDestination } from "../../src/destinations/meta";
import { buildMetaRequestBody, ipAddress, metaPrecheck, readMetaSettings } from "../../src/destinations/meta/payload";
import { item, OCCURRED_AT, scriptedFetch, sendContext } from "../google/helpers";

const SETTINGS = { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" };
const CREDS = { accessToken: "EAAB-unit" };
const settings = readMetaSettings(SETTINGS);
const NOW = OCCURRED_AT + 60_000;
const ev = (orderId: string) =>
  item(
    { orderId, dedupKey: orderId, client: { ip: "203.0.113.7", userAgent: "UA/1.0", pageUrl: "https://shop.example/thanks" } },
    "send",
    `evt_${orderId}`,
  );
const invalidEvent = (extra: Record<string, unknown> = {}) =>
  Response.json(
    { error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 2804019, fbtrace_id: "x", ...extra } },
    { status: 400 },
  );

describe("Meta: request-level errors hold the lane, event-level errors fail the event", () => {
  it("100/33 (unknown pixel or no access to it) holds; 100 with an event subcode is event-level", () => {
    expect(classifyMetaError(400, { code: 100, error_subcode: 33 })).toMatchObject({ status: "hold", code: "meta_100_33" });
    expect(isInvalidEventError({ code: 100, error_subcode: 33 })).toBe(false);
    expect(isInvalidEventError({ code: 100, error_subcode: 2804019 })).toBe(true);
    expect(classifyMetaError(400, { code: 190, type: "OAuthException" })).toMatchObject({
      status: "hold",
      message: expect.stringMatching(/access token/),
    });
    expect(classifyMetaError(400, { code: 104 })).toMatchObject({ status: "hold" });
  });

  it("2635 (a retired API version) holds, naming the destination's apiVersion and the operator's META_API_VERSION", () => {
    const outcome = classifyMetaError(400, { code: 2635, type: "OAuthException" });
    expect(outcome).toMatchObject({ status: "hold", code: "meta_2635", message: expect.stringMatching(/META_API_VERSION/) });
    expect((outcome as { message: string }).message).toMatch(/apiVersion/);
  });

  it.each([408, 409, 425, 429, 500, 503])("HTTP %i without a Graph body is retried", (status) => {
    expect(classifyMetaError(status, undefined)).toEqual({ status: "retry", code: `http_${status}` });
  });

  it("other 4xx without a Graph body fail", () => {
    expect(classifyMetaError(404, undefined)).toEqual({ status: "failed", code: "http_404" });
  });

  it("reads the blamed event from error_data or error_user_msg, only within the batch", () => {
    expect(blamedEventIndex({ error_data: { blame_field_specs: [["data", 2, "user_data"]] } }, 5)).toBe(2);
    expect(blamedEventIndex({ error_data: JSON.stringify({ blame_field_specs: [["data", "1"]] }) }, 5)).toBe(1);
    expect(blamedEventIndex({ error_data: { event_index: 3 } }, 5)).toBe(3);
    expect(blamedEventIndex({ error_user_msg: "Invalid value in data[4].event_time" }, 5)).toBe(4);
    expect(blamedEventIndex({ error_user_msg: "Invalid value in data[9].event_time" }, 5)).toBeUndefined();
    expect(blamedEventIndex({ error_user_msg: "The parameter is invalid" }, 5)).toBeUndefined();
  });

  it("drops just the blamed event and sends the rest in one more request", async () => {
    const script = scriptedFetch((req) => {
      const ids = (req.json.data as any[]).map((e) => e.event_id);
      const bad = ids.indexOf("b");
      return bad >= 0
        ? invalidEvent({ error_data: { blame_field_specs: [["data", bad, "event_time"]] } })
        : Response.json({ events_received: ids.length });
    });
    const outcomes = await metaDestination.send(["a", "b", "c", "d"].map(ev), sendContext(script.fetch, SETTINGS, CREDS, NOW));
    expect(script.calls.map((c) => c.json.data.map((e: any) => e.event_id))).toEqual([
      ["a", "b", "c", "d"],
      ["a", "c", "d"],
    ]);
    expect(outcomes).toEqual([
      { status: "delivered" },
      { status: "failed", code: "meta_100_2804019" },
      { status: "delivered" },
      { status: "delivered" },
    ]);
  });

  it("a wrong pixel id costs one request for a full batch, and the batch is held, not failed", async () => {
    const script = scriptedFetch(() =>
      Response.json(
        { error: { message: "Unsupported post request.", type: "GraphMethodException", code: 100, error_subcode: 33 } },
        { status: 400 },
      ),
    );
    const items = Array.from({ length: 1000 }, (_, i) => ev(`o${i}`));
    const outcomes = await metaDestination.send(items, sendContext(script.fetch, SETTINGS, CREDS, NOW));
    expect(script.calls).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set(["hold"]));
  });

  it("without an index, halving is bounded: a batch of bad events costs at most 40 requests, the rest retried", async () => {
    const script = scriptedFetch(() => invalidEvent());
    const outcomes = await metaDestination.send(
      Array.from({ length: 1000 }, (_, i) => ev(`o${i}`)),
      sendContext(script.fetch, SETTINGS, CREDS, NOW),
    );
    expect(script.calls.length).toBeLessThanOrEqual(40);
    expect(outcomes.some((o) => o.status === "retry" && o.code === "split_budget_exhausted")).toBe(true);
    expect(outcomes.every((o) => o.status !== "delivered")).toBe(true);
  });

  it("network errors retry", async () => {
    const script = scriptedFetch(() => Promise.reject(new TypeError("connection reset")));
    expect(await metaDestination.send([ev("n1")], sendContext(script.fetch, SETTINGS, CREDS, NOW))).toEqual([
      { status: "retry", code: "network_error" },
    ]);
  });
});

describe("Meta: validated before sending", () => {
  const base = item().event;

  it("a future event_time beyond 5 minutes fails with its own reason; small skew passes", () => {
    expect(metaPrecheck({ ...base, occurredAt: NOW + 4 * 60_000 }, settings, NOW)).toBeUndefined();
    expect(metaPrecheck({ ...base, occurredAt: NOW + 6 * 60_000 }, settings, NOW)).toBe("event_time_in_future");
  });

  it("an event_time within the tolerated drift ahead is sent as the time of sending: Meta takes no time in the future", () => {
    const ahead = buildMetaRequestBody([{ ...base, occurredAt: NOW + 4 * 60_000 }], settings, NOW) as any;
    expect(ahead.data[0].event_time).toBe(Math.floor(NOW / 1000));
    const past = buildMetaRequestBody([{ ...base, occurredAt: NOW - 60_000 }], settings, NOW) as any;
    expect(past.data[0].event_time).toBe(Math.floor((NOW - 60_000) / 1000));
  });

  it("an IP that is not one IPv4 or IPv6 address drops the field, never the event", () => {
    for (const ip of ["203.0.113.7", "2001:db8::1", "::ffff:192.0.2.1"]) expect(ipAddress(ip)).toBe(ip);
    for (const ip of ["unknown, 1.2.3.4", "1.2.3.4, 5.6.7.8", "256.1.1.1", "example.com", "1.2.3", " 1.2.3.4", "2001:db8::zz", ":::"]) {
      expect(ipAddress(ip)).toBeUndefined();
    }
    const body = buildMetaRequestBody([{ ...base, client: { ...base.client, ip: "unknown, 1.2.3.4" } }], settings, NOW) as any;
    expect(body.data).toHaveLength(1);
    expect(body.data[0].user_data).not.toHaveProperty("client_ip_address");
  });

  it("event_source_url must be http(s): another scheme is dropped (a website event then lacks its context)", () => {
    const js = { ...base, client: { ...base.client, pageUrl: "javascript:alert(1)" } };
    const body = buildMetaRequestBody([js], readMetaSettings({ ...SETTINGS, actionSource: "app" }), NOW) as any;
    expect(body.data[0]).not.toHaveProperty("event_source_url");
    expect(metaPrecheck(js, settings, NOW)).toBe("website_context_missing");
    expect(metaPrecheck({ ...base, client: { ...base.client, pageUrl: "http://shop.example/" } }, settings, NOW)).toBeUndefined();
  });
});
