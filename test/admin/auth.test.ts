import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, metaDestination, STANDARD_SECRET, uniqueId } from "./helpers";

// Tenant A's key against tenant B's resources, for every kind of admin route.
const TENANT_ROUTES: Array<[method: string, suffix: string, body?: unknown]> = [
  ["GET", ""],
  ["PATCH", "", { name: "Hijacked" }],
  ["DELETE", ""],
  ["POST", "/api-key"],
  ["GET", "/sources"],
  ["GET", "/sources/shop"],
  ["PUT", "/sources/shop", { type: "standard", secret: STANDARD_SECRET }],
  ["DELETE", "/sources/shop"],
  ["GET", "/destinations"],
  ["GET", "/destinations/meta-main"],
  ["PUT", "/destinations/meta-main", metaDestination()],
  ["DELETE", "/destinations/meta-main"],
  ["GET", "/consent-policy"],
  ["PUT", "/consent-policy", { googleOnDenied: "send_denied_flag" }],
  ["GET", "/events"],
  ["GET", "/events/some-event"],
];

describe("admin authentication and tenant isolation", () => {
  let a: { id: string; key: string };
  let b: { id: string; key: string };

  beforeAll(async () => {
    const aId = uniqueId("tenant-a");
    const bId = uniqueId("tenant-b");
    a = { id: aId, key: (await createTenant(aId)).apiKey };
    b = { id: bId, key: (await createTenant(bId)).apiKey };
    await call("PUT", `/tenants/${bId}/sources/shop`, { body: { type: "standard", secret: STANDARD_SECRET } });
    await call("PUT", `/tenants/${bId}/destinations/meta-main`, { body: metaDestination() });
  });

  it("401 unauthorized without a token, with a garbage token, or with a wrong scheme", async () => {
    for (const token of [null, "", "garbage", "test-admin-tokenX", `sk_nobody_${"0".repeat(64)}`]) {
      const res = await call("GET", `/tenants/${a.id}`, { token });
      expect(res.status, String(token)).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    const res = await exports_fetch(`/tenants/${a.id}`, { Authorization: "Basic dGVzdC1hZG1pbi10b2tlbg==" });
    expect(res.status).toBe(401);
  });

  it("401 for a well-formed key of a tenant whose stored hash does not match", async () => {
    const forged = `sk_${a.id}_${"f".repeat(64)}`;
    for (const [method, suffix, body] of [
      ["GET", ""],
      ["PUT", "/sources/x", { type: "standard", secret: STANDARD_SECRET }],
    ] as const) {
      const res = await call(method, `/tenants/${a.id}${suffix}`, { token: forged, body });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
    }
  });

  it("a tenant key reaches its own tenant", async () => {
    const res = await call("GET", `/tenants/${a.id}`, { token: a.key });
    expect(res.status).toBe(200);
    expect(res.json.tenant.id).toBe(a.id);
  });

  it("403 forbidden for tenant A's key on every route of tenant B, and B is unchanged", async () => {
    for (const [method, suffix, body] of TENANT_ROUTES) {
      const res = await call(method, `/tenants/${b.id}${suffix}`, { token: a.key, body });
      expect(res.status, `${method} ${suffix}`).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
    }
    const get = await call("GET", `/tenants/${b.id}`, { token: b.key });
    expect(get.status).toBe(200);
    expect(get.json.tenant.name).toBe(`Tenant ${b.id}`);
    expect(get.json.tenant.sources).toHaveLength(1);
    expect(get.json.tenant.destinations).toHaveLength(1);
  });

  it("403 (not 404) for tenant A's key on a tenant that does not exist, so existence does not leak", async () => {
    for (const [method, suffix, body] of TENANT_ROUTES) {
      const res = await call(method, `/tenants/no-such-tenant${suffix}`, { token: a.key, body });
      expect(res.status, `${method} ${suffix}`).toBe(403);
    }
    const weird = await call("GET", `/tenants/${"x".repeat(600)}`, { token: a.key });
    expect(weird.status).toBe(403);
  });

  it("404 tenant_not_found for the operator on a tenant that does not exist", async () => {
    for (const [method, suffix, body] of TENANT_ROUTES) {
      const res = await call(method, `/tenants/no-such-tenant${suffix}`, { body });
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.json.error.code).toBe("tenant_not_found");
    }
    // Ids that cannot exist (and would not fit a KV key) are simply not found.
    expect((await call("GET", `/tenants/${"x".repeat(600)}`)).status).toBe(404);
    expect((await call("GET", "/tenants/UPPER")).status).toBe(404);
  });

  it("tenant creation and listing are operator only (403 for tenant keys)", async () => {
    const create = await call("POST", "/tenants", { token: a.key, body: { name: "x", region: "us" } });
    expect(create.status).toBe(403);
    expect(create.json.error.code).toBe("forbidden");
    expect((await call("GET", "/tenants", { token: a.key })).status).toBe(403);
  });

  it("the operator may do everything on any tenant", async () => {
    const res = await call("PATCH", `/tenants/${a.id}`, { body: { name: "By operator" } });
    expect(res.status).toBe(200);
    expect(res.json.tenant.name).toBe("By operator");
  });

  it("authentication comes before routing and validation", async () => {
    expect((await call("GET", "/nothing-here", { token: null })).status).toBe(401);
    expect((await call("POST", "/tenants", { token: null, rawBody: "{" })).status).toBe(401);
    expect((await call("GET", "/nothing-here")).status).toBe(404);
  });
});

async function exports_fetch(path: string, headers: Record<string, string>) {
  return exports.default.fetch(`http://sluice.test/v1/admin${path}`, { headers });
}
