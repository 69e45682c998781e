// "Send a test event" for real (issue 15, Setup): a destination in its platform's test mode (a Meta
// or TikTok test event code, Pinterest's or Google's validateOnly) gets one sample purchase as test
// traffic, through the Worker's admin route, and the answer says what the platform made of it.
import { describe, expect, it } from "vitest";
import { pinterestApi } from "../../../src/destinations/pinterest/emulator.mjs";
import { useTestClock } from "../../helpers/clock";
import { putStoredConfig, sealedUnderLostKey, storedConfig } from "../../helpers/lost-key";
import { tenantWithDestination, useEmulator } from "../../helpers/emulator";
import { metaReceives } from "../../helpers/meta";
import { useMsw } from "../../helpers/msw";
import { META_TOKEN, admin, createTenant, relayRows } from "../../helpers/relay";

useMsw();
useTestClock();

const META = { type: "meta", settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" } };

describe("POST /v1/admin/tenants/:id/destinations/:destinationId/test-event", () => {
  it("sends one sample purchase to Meta with its test event code, stores nothing, and answers validated", async () => {
    await createTenant("te-meta");
    const put = await admin("PUT", "/tenants/te-meta/destinations/meta", {
      ...META,
      settings: { ...META.settings, testEventCode: "TEST4242" },
    });
    expect(put.status).toBe(200);
    const sent = metaReceives();

    const res = await admin("POST", "/tenants/te-meta/destinations/meta/test-event");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ destinationId: "meta", type: "meta", mode: "test_event_code", status: "validated" });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event_name: "Purchase", action_source: "website" });
    expect(sent[0].user_data.em[0]).toMatch(/^[0-9a-f]{64}$/);
    // The payload is shown as the dry run shows it: identifier values redacted, never the token.
    expect(res.json.payload.test_event_code).toBe("TEST4242");
    expect(res.text).not.toContain(META_TOKEN);
    expect(res.text).not.toContain(sent[0].user_data.em[0]);
    expect((await relayRows("te-meta")).events).toEqual([]);
  });

  it("sends Pinterest's sample with ?test=true when validateOnly is set", async () => {
    const tenant = await tenantWithDestination("te-pin", "pinterest", {
      type: "pinterest",
      settings: { adAccountId: "549755885175", validateOnly: true },
      credentials: { accessToken: "pina-test-conversion-token" },
    });
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const res = await admin("POST", `/tenants/${tenant}/destinations/pinterest/test-event`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ mode: "validate_only", status: "validated" });
    expect(received).toHaveLength(1);
    expect(received[0]!.query).toMatchObject({ test: "true" });
    expect(res.text).not.toContain("pina-test-conversion-token");
  });

  it("never sends live traffic: a destination outside its test mode gets 409 and nothing is sent", async () => {
    await createTenant("te-live");
    const sent = metaReceives();
    const res = await admin("POST", "/tenants/te-live/destinations/meta/test-event");
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("test_mode_off");
    expect(res.json.error.message).toContain("testEventCode");
    expect(sent).toHaveLength(0);
  });

  it("answers 404 for an unknown destination", async () => {
    await createTenant("te-404");
    const res = await admin("POST", "/tenants/te-404/destinations/nope/test-event");
    expect(res.status).toBe(404);
  });

  it("reports the platform's refusal as the relay classifies it (a bad token holds, with fixed words)", async () => {
    await createTenant("te-hold");
    await admin("PUT", "/tenants/te-hold/destinations/meta", { ...META, settings: { ...META.settings, testEventCode: "TEST4242" } });
    metaReceives(401);
    const res = await admin("POST", "/tenants/te-hold/destinations/meta/test-event");
    expect(res.status).toBe(200);
    expect(["retry", "hold", "failed"]).toContain(res.json.status);
    expect(typeof res.json.code).toBe("string");
  });
});

describe("a test event to a destination whose credentials cannot be decrypted", () => {
  it("answers hold credentials_unreadable (as the lane would), sends nothing and is no 5xx", async () => {
    await createTenant("te-unreadable");
    await admin("PUT", "/tenants/te-unreadable/destinations/meta", { ...META, settings: { ...META.settings, testEventCode: "TEST4242" } });
    const stored = await storedConfig("te-unreadable");
    stored.destinations.meta!.credentials = await sealedUnderLostKey(
      "te-unreadable",
      "destination",
      "meta",
      JSON.stringify({ accessToken: META_TOKEN }),
    );
    await putStoredConfig(stored);
    const sent = metaReceives();

    const res = await admin("POST", "/tenants/te-unreadable/destinations/meta/test-event");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "hold", code: "credentials_unreadable", message: expect.stringMatching(/ENCRYPTION_KEY/) });
    expect(sent).toEqual([]);
    expect(res.text).not.toContain(META_TOKEN);
  });
});
