import { describe, expect, it } from "vitest";
import { now, useTestClock } from "../../helpers/clock";
import { useMsw } from "../../helpers/msw";
import { signStandard } from "../../helpers/standard-webhooks";
import { ADS_SETTINGS } from "../../google/helpers";
import { CUSTOMER, admin, createTenant, purchase, relayRows } from "../../helpers/relay";

useMsw(); // no handlers: any outbound request would fail the test
useTestClock();

describe("dry-run", () => {
  it("shows the parsed event, each decision and the exact outbound shape, stores and sends nothing", async () => {
    await createTenant("dry");
    await admin("PUT", "/tenants/dry/destinations/google", {
      type: "google_ads",
      enabled: true,
      settings: ADS_SETTINGS,
      credentials: { developerToken: "dev", clientId: "c", clientSecret: "s", refreshToken: "r" },
    });
    const body = JSON.stringify(
      purchase("dry-1", { clickIds: { gclid: "Cj0KCQiA_dry", fbp: "fb.1.1767000000000.42" }, consent: { meta: "granted" } }),
    );
    const headers = await signStandard(body, { timestamp: Math.floor(now() / 1000) });
    const res = await admin("POST", "/tenants/dry/dry-run", { sourceId: "shop", headers, body });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      signatureValid: true,
      result: "conversion",
      event: { orderId: "dry-1", value: 49, currency: "EUR", clickIds: ["fbp", "gclid"], consentSignals: ["meta"] },
    });
    expect(res.json.event.identifiers.meta).toEqual(["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id"]);
    const byId = (id: string) => res.json.deliveries.find((d: any) => d.destinationId === id);
    const [google, meta] = [byId("google"), byId("meta")];
    expect(google).toEqual({ destinationId: "google", type: "google_ads", decision: "blocked", reason: "gcm_ad_user_data_missing" });
    expect(meta).toMatchObject({ destinationId: "meta", decision: "send", reason: "meta_granted" });
    expect(meta.payload.data[0]).toMatchObject({
      event_id: "dry-1",
      user_data: { em: ["[redacted]"], fbp: "[redacted]", client_ip_address: "[redacted]" },
      custom_data: { value: 49, currency: "EUR" },
    });

    const text = res.text;
    expect(text).not.toMatch(/[a-f0-9]{64}/);
    for (const raw of [CUSTOMER.email.trim(), "203.0.113.7", "fb.1.1767000000000.42", "Cj0KCQiA_dry"]) expect(text).not.toContain(raw);
    expect((await relayRows("dry")).events).toEqual([]);

    // With Google consent the Google Ads row shows too: its shape, not its identifiers.
    const granted = JSON.stringify(
      purchase("dry-2", { clickIds: { gclid: "Cj0KCQiA_dry" }, consent: { gcm: { ad_user_data: "granted" } } }),
    );
    const withGoogle = await admin("POST", "/tenants/dry/dry-run", {
      sourceId: "shop",
      headers: await signStandard(granted, { timestamp: Math.floor(now() / 1000) }),
      body: granted,
    });
    const ads = withGoogle.json.deliveries.find((d: any) => d.destinationId === "google");
    expect(ads).toMatchObject({ decision: "send", reason: "gcm_ad_user_data_granted" });
    expect(ads.payload).toMatchObject({
      partialFailure: true,
      conversions: [{ gclid: "[redacted]", orderId: "dry-2", consent: { adUserData: "GRANTED" } }],
    });
    expect(JSON.stringify(ads.payload.conversions[0].userIdentifiers)).not.toMatch(/[a-f0-9]{64}/);
    expect(withGoogle.text).not.toContain("Cj0KCQiA_dry");

    const tampered = await admin("POST", "/tenants/dry/dry-run", { sourceId: "shop", headers, body: body.replace("49", "48") });
    expect(tampered.json.signatureValid).toBe(false);
  });
});

describe("dry-run headers", () => {
  it("a header name with a space or a value with CR/LF is a 400 naming the header, never a 500", async () => {
    await createTenant("dry-headers");
    const body = JSON.stringify(purchase("dh-1"));
    for (const headers of [{ "bad name": "x" }, { "x-ok": "a\r\nInjected: 1" }, { "x-ok": "nul\u0000" }, { "": "x" }, { "x-ok": "é€" }]) {
      const res = await admin("POST", "/tenants/dry-headers/dry-run", { sourceId: "shop", headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.json.error).toMatchObject({ code: "invalid_request", message: expect.stringContaining("headers") });
    }
  });
});
