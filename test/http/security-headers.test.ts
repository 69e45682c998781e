import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, createTenant, uniqueId } from "../admin/helpers";
import { api, createTenant as createRelayTenant, purchase } from "../helpers/relay";
import { signStandard } from "../helpers/standard-webhooks";

const CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const HTML_ONLY = [
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "origin-agent-cluster",
  "x-dns-prefetch-control",
  "x-download-options",
  "x-permitted-cross-domain-policies",
  "x-xss-protection",
];

function expectBrowserHardening(headers: Headers) {
  expect(headers.get("content-security-policy")).toBe(CSP);
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-frame-options")).toBe("DENY");
}

describe("security headers", () => {
  it("every admin answer, success or error, is no-store and hardened", async () => {
    const id = uniqueId("hdr");
    const created = await call("POST", "/tenants", { body: { id, name: "Headers", region: "us" } });
    const { apiKey: otherKey } = await createTenant(uniqueId("hdr-other"));
    const answers = [
      created,
      await call("GET", `/tenants/${id}`),
      await call("GET", `/tenants/${id}`, { token: null }),
      await call("GET", `/tenants/${id}`, { token: "not-a-key" }),
      await call("GET", `/tenants/${id}`, { token: otherKey }),
      await call("GET", "/tenants/no-such-tenant-x"),
      await call("PATCH", `/tenants/${id}`, { rawBody: "{not json" }),
      await call("PUT", "/tenants"),
      await call("GET", "/no-such-admin-route"),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 401, 401, 403, 404, 400, 405, 404]);
    for (const a of answers) {
      expect(a.headers.get("cache-control")).toBe("no-store");
      expectBrowserHardening(a.headers);
    }
  });

  it("public routes carry the browser hardening too, and no HSTS in dev", async () => {
    for (const res of [
      await api("/healthz"),
      await api("/v1/hooks/nobody/shop", { method: "POST", body: "{}" }),
      await api("/v1/collect/nobody", { method: "POST", body: "{}" }),
      await api("/nowhere"),
    ]) {
      expectBrowserHardening(res.headers);
      expect(res.headers.get("strict-transport-security")).toBeNull();
      // Headers for HTML documents stay off JSON answers (OWASP REST Security Cheat Sheet).
      for (const name of HTML_ONLY) expect(res.headers.get(name)).toBeNull();
    }
  });

  it("sends HSTS when deployed (ENVIRONMENT is not dev)", async () => {
    const res = await worker.fetch(
      new Request("https://sluice.example/healthz"),
      { ...env, ENVIRONMENT: "production" },
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expectBrowserHardening(res.headers);
  });

  it("a verified webhook's answer goes back to the platform without browser headers; every webhook answer a browser can obtain keeps them", async () => {
    const id = uniqueId("hdr-hook");
    await createRelayTenant(id);
    const raw = JSON.stringify(purchase(`${id}-o1`));
    const signed = await signStandard(raw);
    const hook = (headers: Record<string, string>, body = raw, source = "shop", method = "POST") =>
      api(`/v1/hooks/${id}/${source}`, { method, headers, ...(method === "POST" ? { body } : {}) });

    // Only a holder of the source's secret gets these: the stored webhook and its redelivery.
    const verified = [await hook(signed), await hook(signed)];
    expect(verified.map((r) => r.status)).toEqual([202, 200]);
    for (const res of verified) {
      for (const name of ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"]) {
        expect(res.headers.get(name)).toBeNull();
      }
    }

    // What a browser (a form post, a navigation) can make the route answer stays hardened.
    const forged = { ...signed, "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
    const refused = [await hook(forged), await hook({}), await hook(signed, raw, "no-such-source"), await hook({}, raw, "shop", "GET")];
    expect(refused.map((r) => r.status)).toEqual([401, 401, 404, 405]);
    for (const res of refused) expectBrowserHardening(res.headers);
  });
});
