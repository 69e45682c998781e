import { describe, expect, it } from "vitest";
import { admin, api, createTenant } from "../helpers/relay";

describe("GET /v1/collect/:tenantId/sluice.js", () => {
  it("serves a small, cacheable, cross-origin-loadable script that posts to the tenant's beacon route", async () => {
    await createTenant("snippet-a");
    const res = await api("/v1/collect/snippet-a/sluice.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const js = await res.text();
    expect(js.length).toBeLessThan(12_000);
    expect(js).toContain('"endpoint":"http://sluice.test/v1/collect/snippet-a"');
    expect(js).toContain("navigator.sendBeacon");
    // The tenant has a Meta destination only: Meta's cookies and click id, no TikTok or Pinterest.
    expect(js).toContain('"cookies":{"fbp":"_fbp","fbc":"_fbc"}');
    expect(js).toContain('"params":["fbclid"]');
    expect(js).not.toContain("_ttp");
    expect(js).not.toContain("_epik");
  });

  it("follows the tenant's destinations: Google adds its click ids", async () => {
    await createTenant("snippet-b");
    const put = await admin("PUT", "/tenants/snippet-b/destinations/google", {
      type: "google_data_manager",
      enabled: true,
      settings: { operatingAccountId: "123-456-7890", conversionActionId: "987654321" },
      credentials: {
        clientId: "id.apps.googleusercontent.com",
        clientSecret: "client-secret-value",
        refreshToken: "1//refresh-token-value",
      },
    });
    expect(put.status).toBe(201);
    const js = await (await api("/v1/collect/snippet-b/sluice.js")).text();
    expect(js).toContain('"params":["fbclid","gbraid","gclid","wbraid"]');
  });

  it("answers an unknown tenant like a known one (no probing) and a malformed id with 404", async () => {
    const unknown = await api("/v1/collect/no-such-tenant-zz/sluice.js");
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain('"endpoint":"http://sluice.test/v1/collect/no-such-tenant-zz"');
    expect((await api("/v1/collect/Bad_Id!/sluice.js")).status).toBe(404);
  });
});
