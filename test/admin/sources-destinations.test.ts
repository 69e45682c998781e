import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptDestinationCredentials, getTenant } from "../../src/config/tenant-store";
import { call, createTenant, GOOGLE_CREDENTIALS, META_TOKEN, metaDestination, STANDARD_SECRET, uniqueId } from "./helpers";

let tenantId: string;
let t: string;

beforeAll(async () => {
  tenantId = uniqueId("cfg");
  await createTenant(tenantId);
  t = `/tenants/${tenantId}`;
});

describe("sources", () => {
  it("PUT creates (201), replaces (200), GET reads, DELETE removes", async () => {
    const created = await call("PUT", `${t}/sources/shop`, { body: { type: "standard", secret: STANDARD_SECRET } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: "shop",
      type: "standard",
      options: {},
      secretSet: true,
      credentialsSet: [],
      updatedAt: expect.any(String),
    });

    // Options changed without resending the secret keeps the stored secret.
    const updated = await call("PUT", `${t}/sources/shop`, { body: { type: "standard", options: { eventName: "Purchase" } } });
    expect(updated.status).toBe(200);
    expect(updated.json.options).toEqual({ eventName: "Purchase" });
    expect(updated.json.secretSet).toBe(true);

    expect((await call("GET", `${t}/sources/shop`)).json.options).toEqual({ eventName: "Purchase" });
    expect((await call("GET", `${t}/sources`)).json.sources.map((s: { id: string }) => s.id)).toContain("shop");

    const deleted = await call("DELETE", `${t}/sources/shop`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ deleted: "shop" });
    const gone = await call("GET", `${t}/sources/shop`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("source_not_found");
    expect((await call("DELETE", `${t}/sources/shop`)).status).toBe(404);
  });

  it("accepts every source type", async () => {
    for (const [type, secret] of [
      ["shopify", "shpss_0123456789abcdef"],
      ["stripe", "whsec_stripe0123456789"],
      ["woocommerce", "woo secret with spaces"],
      ["roller", "r".repeat(32)],
    ] as const) {
      const options = type === "roller" ? { currency: "EUR" } : undefined;
      const res = await call("PUT", `${t}/sources/${type}-1`, { body: { type, secret, options } });
      expect(res.status, `${type}: ${res.text}`).toBe(201);
    }
  });

  it("rejects bad sources with 400 and a clear message", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["shop", { type: "standard", secret: "not-a-whsec" }, /secret: a standard source's secret must be whsec_/],
      ["shop", { type: "standard", secret: "whsec_!!!!" }, /whsec_/],
      ["shop", { type: "standard", secret: `whsec_${btoa("too short")}` }, /24-64 byte/],
      ["shop", { type: "standard" }, /secret: required for a new source/],
      ["shop", { type: "paypal", secret: "x" }, /^type:/],
      ["shop", { type: "shopify", secret: "" }, /secret: must not be empty/],
      ["shop", { type: "roller", secret: "short" }, /at least 32 characters/],
      ["shop", { type: "shopify", secret: "x", options: { apiToken: "oops" } }, /options.apiToken: options are stored in clear/],
      ["shop", { type: "shopify", secret: "x", extra: 1 }, /extra/],
      ["Bad_Id", { type: "shopify", secret: "x" }, /sourceId must be 1-63 characters/],
    ];
    for (const [sourceId, body, message] of cases) {
      const res = await call("PUT", `${t}/sources/${sourceId}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toMatch(message);
    }
    const malformed = await call("PUT", `${t}/sources/shop`, { rawBody: "{type:" });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe("malformed_json");
  });

  it("a change of type needs a new secret", async () => {
    await call("PUT", `${t}/sources/switch`, { body: { type: "shopify", secret: "shopify-secret" } });
    const res = await call("PUT", `${t}/sources/switch`, { body: { type: "standard" } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/change of type/);
  });

  it("answers 405 for a wrong method", async () => {
    expect((await call("POST", `${t}/sources/shop`, { body: {} })).status).toBe(405);
  });
});

describe("destinations", () => {
  it("meta: defaults applied (no apiVersion stored: the operator's META_API_VERSION applies), 201 then 200, GET shows credentialsSet", async () => {
    const created = await call("PUT", `${t}/destinations/meta-main`, { body: metaDestination() });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: "meta-main",
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890123", actionSource: "website" },
      credentialsSet: ["accessToken"],
      updatedAt: expect.any(String),
      lane: { state: "ok" },
    });
    const again = await call("PUT", `${t}/destinations/meta-main`, {
      body: metaDestination({ settings: { pixelId: "1", apiVersion: "v26.0", testEventCode: "TEST123", actionSource: "physical_store" } }),
    });
    expect(again.status).toBe(200);
    expect(again.json.settings).toEqual({ pixelId: "1", apiVersion: "v26.0", testEventCode: "TEST123", actionSource: "physical_store" });
  });

  it("PUT without credentials keeps the stored ones; enabled is kept unless given", async () => {
    await call("PUT", `${t}/destinations/meta-keep`, { body: metaDestination({ enabled: false }) });
    const res = await call("PUT", `${t}/destinations/meta-keep`, { body: { type: "meta", settings: { pixelId: "999" } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ enabled: false, settings: { pixelId: "999" }, credentialsSet: ["accessToken"] });
    const tenant = (await getTenant(env, tenantId))!;
    expect(await decryptDestinationCredentials(env, tenant, "meta-keep")).toEqual({ accessToken: META_TOKEN });
  });

  it("google_ads: customer ids lose their hyphens; no apiVersion stored unless pinned", async () => {
    const res = await call("PUT", `${t}/destinations/gads`, {
      body: {
        type: "google_ads",
        enabled: true,
        settings: { customerId: "123-456-7890", conversionActionId: "555", loginCustomerId: "999-888-7777", validateOnly: true },
        credentials: GOOGLE_CREDENTIALS,
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.settings).toEqual({
      customerId: "1234567890",
      conversionActionId: "555",
      loginCustomerId: "9998887777",
      validateOnly: true,
    });
    expect(res.json.credentialsSet).toEqual(["developerToken", "clientId", "clientSecret", "refreshToken"]);
  });

  it("google_data_manager", async () => {
    const { developerToken: _unused, ...oauth } = GOOGLE_CREDENTIALS;
    const res = await call("PUT", `${t}/destinations/gdm`, {
      body: {
        type: "google_data_manager",
        enabled: true,
        settings: { operatingAccountId: "123-456-7890", conversionActionId: "42" },
        credentials: oauth,
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.settings).toEqual({ operatingAccountId: "1234567890", conversionActionId: "42" });
    expect(res.json.credentialsSet).toEqual(["clientId", "clientSecret", "refreshToken"]);
  });

  it("rejects bad destinations with 400 and a clear message", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["m1", { type: "meta", settings: { pixelId: "1" } }, /credentials: required for a new meta destination.*accessToken/],
      ["m1", metaDestination({ settings: { pixelId: "abc" } }), /settings.pixelId: must be the numeric pixel/],
      ["m1", metaDestination({ settings: { pixelId: 123 } }), /settings.pixelId/],
      ["m1", metaDestination({ settings: { pixelId: "1", apiVersion: "25" } }), /settings.apiVersion: must look like "v25.0"/],
      ["m1", metaDestination({ settings: { pixelId: "1", actionSource: "web" } }), /settings.actionSource/],
      ["m1", metaDestination({ settings: { pixelId: "1", pixelID: "2" } }), /pixelID/],
      ["m1", metaDestination({ credentials: { accessToken: "" } }), /credentials.accessToken: must not be empty/],
      ["m1", metaDestination({ credentials: {} }), /credentials.accessToken/],
      ["m1", metaDestination({ enabled: "yes" }), /enabled/],
      ["m1", { type: "snapchat", settings: {}, credentials: {} }, /type/],
      ["m1", { type: "meta", credentials: { accessToken: "x" } }, /settings/],
      [
        "g1",
        { type: "google_ads", settings: { customerId: "12345", conversionActionId: "1" }, credentials: GOOGLE_CREDENTIALS },
        /settings.customerId: must be a 10-digit/,
      ],
      [
        "g1",
        { type: "google_ads", settings: { customerId: "1234567890", conversionActionId: "1" }, credentials: { clientId: "x" } },
        /credentials.developerToken/,
      ],
      [
        "g1",
        {
          type: "google_ads",
          settings: { customerId: "1234567890", conversionActionId: "1", apiVersion: "v25.1" },
          credentials: GOOGLE_CREDENTIALS,
        },
        /settings.apiVersion/,
      ],
      ["Bad.Id", metaDestination(), /destinationId must be/],
    ];
    for (const [destinationId, body, message] of cases) {
      const res = await call("PUT", `${t}/destinations/${destinationId}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toMatch(message);
    }
  });

  it("a change of type needs new credentials", async () => {
    await call("PUT", `${t}/destinations/switch`, { body: metaDestination() });
    const res = await call("PUT", `${t}/destinations/switch`, {
      body: { type: "google_data_manager", settings: { operatingAccountId: "1", conversionActionId: "2" } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/credentials: required .* change of type/);
  });

  it("DELETE removes; unknown destination is 404 destination_not_found", async () => {
    await call("PUT", `${t}/destinations/tmp`, { body: metaDestination() });
    expect((await call("DELETE", `${t}/destinations/tmp`)).json).toEqual({ deleted: "tmp" });
    const res = await call("GET", `${t}/destinations/tmp`);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("destination_not_found");
    expect((await call("GET", `${t}/destinations/constructor`)).status).toBe(404);
  });
});

describe("consent policy", () => {
  it("GET returns the defaults; PUT replaces with defaults for absent fields", async () => {
    const id = uniqueId("consent");
    const { apiKey } = await createTenant(id);
    const path = `/tenants/${id}/consent-policy`;
    expect((await call("GET", path, { token: apiKey })).json).toEqual({
      googleOnDenied: "drop",
      categoryMap: {},
      userRegion: "auto",
      defaultsCountOutsideEea: false,
    });

    const put = await call("PUT", path, {
      token: apiKey,
      body: { googleOnDenied: "send_denied_flag", categoryMap: { marketing: ["meta-main"], "755": ["meta-main"] }, userRegion: "eea" },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      googleOnDenied: "send_denied_flag",
      categoryMap: { marketing: ["meta-main"], "755": ["meta-main"] },
      userRegion: "eea",
      defaultsCountOutsideEea: false,
    });
    expect((await call("GET", `/tenants/${id}`)).json.tenant.consentPolicy).toEqual(put.json);

    const reset = await call("PUT", path, { token: apiKey, body: { userRegion: "us" } });
    expect(reset.json).toEqual({ googleOnDenied: "drop", categoryMap: {}, userRegion: "us", defaultsCountOutsideEea: false });
  });

  it("rejects invalid policies", async () => {
    const id = uniqueId("consent-bad");
    await createTenant(id);
    for (const [body, message] of [
      [{ googleOnDenied: "send" }, /googleOnDenied/],
      [{ userRegion: "eu" }, /userRegion/],
      [{ categoryMap: { marketing: "meta-main" } }, /categoryMap.marketing/],
      [{ categoryMap: { marketing: ["Meta Main"] } }, /destination id must be/],
      [{ extra: true }, /extra/],
    ] as const) {
      const res = await call("PUT", `/tenants/${id}/consent-policy`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
  });
});
