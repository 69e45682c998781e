import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { putStoredConfig, sealedUnderLostKey, storedConfig } from "../helpers/lost-key";
import { TEST_WHSEC } from "../helpers/standard-webhooks";
import { useMsw } from "../helpers/msw";
import { admin, api, createTenant, purchase, relayRows, sendWebhook } from "../helpers/relay";

useMsw();
useTestClock();

describe("bad webhook input gets a clear 4xx and nothing is stored", () => {
  it("malformed JSON behind a valid signature → 400 malformed_json", async () => {
    await createTenant("t-bad-json");
    const res = await sendWebhook("t-bad-json", '{"orderId": "1", ');
    expect(res).toEqual({ status: 400, json: { error: { code: "malformed_json", message: expect.any(String) } } });
    expect((await relayRows("t-bad-json")).events).toEqual([]);
  });

  it("missing required fields → 400 naming them", async () => {
    await createTenant("t-bad-fields");
    const { orderId: _o, currency: _c, ...incomplete } = purchase("x");
    const res = await sendWebhook("t-bad-fields", incomplete);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(res.json.error.message).toContain("orderId");
    expect(res.json.error.message).toContain("currency");
    const badTypes = await sendWebhook("t-bad-fields", purchase("y", { value: "49", occurredAt: "yesterday" }));
    expect(badTypes.status).toBe(400);
    expect((await relayRows("t-bad-fields")).events).toEqual([]);
  });

  it("an error message never echoes the submitted personal data", async () => {
    await createTenant("t-bad-echo");
    const res = await sendWebhook("t-bad-echo", purchase("z", { customer: { email: 42, phone: "+1 650 555 1212" } }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).not.toContain("650");
  });

  it("a webhook body over 1 MiB → 413", async () => {
    await createTenant("t-big");
    const res = await sendWebhook("t-big", purchase("big", { padding: "x".repeat(1100 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
    expect((await relayRows("t-big")).events).toEqual([]);
  });

  it("a large order's webhook (600 KiB, as Shopify sends for an order with a few hundred line items) is taken", async () => {
    await createTenant("t-large-order");
    const res = await sendWebhook("t-large-order", purchase("large", { padding: "x".repeat(600 * 1024) }));
    expect(res.status).toBe(202);
    expect((await relayRows("t-large-order")).events).toHaveLength(1);
  });

  it("unknown tenant or source → 404; wrong method → 405; unknown route → 404", async () => {
    await createTenant("t-404");
    expect((await sendWebhook("t-nobody", purchase("a"))).status).toBe(404);
    const noSource = await api("/v1/hooks/t-404/nosuch", { method: "POST", body: "{}" });
    expect(noSource.status).toBe(404);
    expect(((await noSource.json()) as any).error.code).toBe("not_found");
    expect((await api("/v1/hooks/t-404/shop", { method: "GET" })).status).toBe(405);
    expect((await api("/v1/nothing-here")).status).toBe(404);
  });

  it("a malformed consent value is a blocked delivery with a reason, never a 4xx", async () => {
    await createTenant("t-bad-consent");
    const res = await sendWebhook("t-bad-consent", purchase("c1", { consent: { meta: "yes please", tcf: { tcString: 7 } } }));
    expect(res.status).toBe(202);
    const event = (await admin("GET", `/tenants/t-bad-consent/events/${res.json.id}`)).json;
    expect(event.deliveries[0]).toMatchObject({ decision: "blocked", status: "blocked" });
    expect(event.deliveries[0].reason).toMatch(/consent/);
  });

  it("a verified non-purchase event is ignored with a reason", async () => {
    await createTenant("t-ignored");
    const res = await sendWebhook("t-ignored", purchase("r1", { type: "subscription_renewal" }));
    expect(res).toEqual({ status: 200, json: { status: "ignored", reason: "unsupported_type:subscription_renewal" } });
    expect((await relayRows("t-ignored")).events).toEqual([]);
  });
});

describe("a source whose secret the relay cannot decrypt", () => {
  it("answers 503 source_secret_unreadable with Retry-After (the platform retries), stores nothing, and takes the webhook once the key is back", async () => {
    const tenant = "t-unreadable-secret";
    await createTenant(tenant);
    const readable = await storedConfig(tenant);
    const unreadable = structuredClone(readable);
    // Sealed under a key the relay no longer has (ENCRYPTION_KEY replaced without ENCRYPTION_KEY_PREVIOUS).
    unreadable.sources.shop!.secret = await sealedUnderLostKey(tenant, "source", "shop", TEST_WHSEC);
    await putStoredConfig(unreadable);

    const res = await sendWebhook(tenant, purchase("unreadable-1"));
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("source_secret_unreadable");
    expect(res.json.error.message).toMatch(/ENCRYPTION_KEY/);
    expect(JSON.stringify(res.json)).not.toContain(TEST_WHSEC);
    expect((await relayRows(tenant)).events).toEqual([]);

    await putStoredConfig(readable);
    expect((await sendWebhook(tenant, purchase("unreadable-1"))).status).toBe(202);
  });
});
