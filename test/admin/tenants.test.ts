import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { putTenant } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";
import app from "../../src/index";
import { auditRows, call, createTenant, metaDestination, STANDARD_SECRET, storedJson, uniqueId } from "./helpers";

describe("POST /v1/admin/tenants", () => {
  it("creates a tenant: 201 with the tenant view and a one-time API key", async () => {
    const id = uniqueId("acme");
    const res = await call("POST", "/tenants", {
      body: {
        id,
        name: "Acme Shop",
        region: "eu",
        defaultCountry: "de",
        timezone: "Europe/Berlin",
        allowedOrigins: ["https://shop.example", "https://shop.example/", "http://localhost:8080"],
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.apiKey).toMatch(new RegExp(`^sk_${id}_[0-9a-f]{64}$`));
    expect(res.json.tenant).toEqual({
      id,
      name: "Acme Shop",
      region: "eu",
      defaultCountry: "DE",
      timezone: "Europe/Berlin",
      siteUrl: null,
      allowedOrigins: ["https://shop.example", "http://localhost:8080"],
      rawCapture: false,
      beaconAuth: "signed",
      beaconKeySet: false,
      webhookQuota: null,
      apiKeys: [{ id: expect.stringMatching(/^ak_[0-9a-f]{12}$/), createdAt: expect.any(String) }],
      consentPolicy: { googleOnDenied: "drop", categoryMap: {}, userRegion: "auto", defaultsCountOutsideEea: false },
      sources: [],
      destinations: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.text).not.toContain("apiKeyHash");

    const row = await env.DB.prepare("SELECT id, name, region FROM tenants WHERE id = ?").bind(id).first();
    expect(row).toEqual({ id, name: "Acme Shop", region: "eu" });
  });

  it("generates a readable id when none is given", async () => {
    const res = await call("POST", "/tenants", { body: { name: "Fun Park GmbH & Co.", region: "global" } });
    expect(res.status).toBe(201);
    expect(res.json.tenant.id).toMatch(/^fun-park-gmbh-co-[0-9a-f]{8}$/);
    expect(res.json.apiKey.startsWith(`sk_${res.json.tenant.id}_`)).toBe(true);
  });

  it("answers 409 tenant_exists for a duplicate id and keeps the first tenant", async () => {
    const id = uniqueId("dup");
    const first = await createTenant(id);
    const res = await call("POST", "/tenants", { body: { id, name: "Impostor", region: "us" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("tenant_exists");
    const get = await call("GET", `/tenants/${id}`, { token: first.apiKey });
    expect(get.json.tenant.name).toBe(`Tenant ${id}`);
  });

  it("rejects invalid bodies with 400 invalid_request naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: "x", region: "mars" }, /region/],
      [{ region: "us" }, /name/],
      [{ id: "Bad_Id", name: "x", region: "us" }, /id: must be 1-63 characters/],
      [{ id: "-x", name: "x", region: "us" }, /^id:/],
      [{ name: "x", region: "us", defaultCountry: "Germany" }, /defaultCountry: must be an ISO 3166-1 alpha-2/],
      [{ name: "x", region: "us", timezone: "Mars/Olympus" }, /timezone: must be an IANA time zone/],
      [{ name: "x", region: "us", allowedOrigins: ["https://shop.example/checkout"] }, /allowedOrigins.0: must be an origin/],
      [{ name: "x", region: "us", allowedOrigins: ["*"] }, /allowedOrigins.0/],
      [{ name: "x", region: "us", apiKeyHash: "0".repeat(64) }, /apiKeyHash/],
      [{ name: "   ", region: "us" }, /name: must not be empty/],
      [[1, 2], /body/],
    ];
    for (const [body, message] of cases) {
      const res = await call("POST", "/tenants", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toMatch(message);
    }
  });

  it("answers 400 malformed_json for a body that is not JSON", async () => {
    const res = await call("POST", "/tenants", { rawBody: '{"name": "x", ' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("malformed_json");
  });

  it("answers 413 for a body over 256 KiB", async () => {
    const res = await call("POST", "/tenants", { rawBody: JSON.stringify({ name: "x".repeat(300 * 1024), region: "us" }) });
    expect(res.status).toBe(413);
  });

  it("refuses an EU tenant in a deployed environment without DO_JURISDICTION=eu (fail closed)", async () => {
    const id = uniqueId("eu-closed");
    const deployed = { ...env, ENVIRONMENT: "production", DO_JURISDICTION: "none" };
    const res = await app.request(
      "http://sluice.test/v1/admin/tenants",
      {
        method: "POST",
        headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
        body: JSON.stringify({ id, name: "EU shop", region: "eu" }),
      },
      deployed,
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("region_unavailable");
    expect(await storedJson(id)).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM tenants WHERE id = ?").bind(id).first()).toBeNull();

    // A US tenant is fine there.
    const us = await app.request(
      "http://sluice.test/v1/admin/tenants",
      {
        method: "POST",
        headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
        body: JSON.stringify({ id: uniqueId("us-ok"), name: "US shop", region: "us" }),
      },
      deployed,
    );
    expect(us.status).toBe(201);
  });

  it("GET /tenants lists the registry for the operator, with paging", async () => {
    const a = uniqueId("list-a");
    const b = uniqueId("list-b");
    await createTenant(a);
    await createTenant(b);
    const all = await call("GET", "/tenants?limit=100");
    expect(all.status).toBe(200);
    const ids = all.json.tenants.map((t: { id: string }) => t.id);
    expect(ids).toContain(a);
    expect(ids).toContain(b);
    expect(all.text).not.toContain("apiKey");
    const page = await call("GET", "/tenants?limit=1");
    expect(page.json.tenants).toHaveLength(1);
    expect(page.json.next).toBe(page.json.tenants[0].id);
    expect((await call("GET", "/tenants?limit=0")).status).toBe(400);
  });

  it("answers 405 for a wrong method", async () => {
    const res = await call("PUT", "/tenants", { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, POST");
  });
});

describe("GET / PATCH /v1/admin/tenants/:id", () => {
  it("PATCH changes name, country, timezone and origins; null clears an optional field", async () => {
    const id = uniqueId("patch");
    const { apiKey } = await createTenant(id, { defaultCountry: "US", timezone: "America/New_York" });
    const res = await call("PATCH", `/tenants/${id}`, {
      token: apiKey,
      body: { name: "Renamed", defaultCountry: null, timezone: "Europe/Paris", allowedOrigins: ["https://a.example"] },
    });
    expect(res.status).toBe(200);
    expect(res.json.tenant).toMatchObject({
      id,
      name: "Renamed",
      defaultCountry: null,
      timezone: "Europe/Paris",
      allowedOrigins: ["https://a.example"],
      region: "us",
    });
    const get = await call("GET", `/tenants/${id}`);
    expect(get.json.tenant.name).toBe("Renamed");
    expect(get.json.tenant.updatedAt > get.json.tenant.createdAt).toBe(true);
    const row = await env.DB.prepare("SELECT name FROM tenants WHERE id = ?").bind(id).first("name");
    expect(row).toBe("Renamed");
  });

  it("refuses a region change with 400 region_immutable (same region is accepted)", async () => {
    const id = uniqueId("region");
    await createTenant(id);
    const res = await call("PATCH", `/tenants/${id}`, { body: { region: "eu", name: "Moved" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("region_immutable");
    const get = await call("GET", `/tenants/${id}`);
    expect(get.json.tenant).toMatchObject({ region: "us", name: `Tenant ${id}` });
    const same = await call("PATCH", `/tenants/${id}`, { body: { region: "us", name: "Same region" } });
    expect(same.status).toBe(200);
    expect(same.json.tenant.name).toBe("Same region");
  });

  it("PATCH rejects unknown and invalid fields", async () => {
    const id = uniqueId("patch-bad");
    await createTenant(id);
    for (const body of [{ apiKeyHash: "0".repeat(64) }, { id: "other" }, { timezone: "Nowhere/City" }, { name: 5 }]) {
      const res = await call("PATCH", `/tenants/${id}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
    }
  });

  it("a write based on a stale read is refused with 409 conflict instead of being lost", async () => {
    const id = uniqueId("conflict");
    await createTenant(id);
    // Another writer (e.g. in another location) committed after our KV copy was read.
    await env.DB.prepare("UPDATE tenants SET updated_at = '2999-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run();
    const res = await call("PATCH", `/tenants/${id}`, { body: { name: "Lost?" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(JSON.parse((await storedJson(id))!).name).toBe(`Tenant ${id}`);
  });

  it("a tenant seeded with putTenant is registered and can be changed through the API", async () => {
    const id = uniqueId("seeded");
    const { tenant } = await createTenant(id);
    const stored = JSON.parse((await storedJson(id))!) as TenantConfig;
    await env.DB.prepare("DELETE FROM tenants WHERE id = ?").bind(id).run();
    await putTenant(env, { ...stored, name: "Seeded" });
    const row = await env.DB.prepare("SELECT name, region, created_at FROM tenants WHERE id = ?").bind(id).first();
    expect(row).toEqual({ name: "Seeded", region: "us", created_at: tenant.createdAt });
    const res = await call("PATCH", `/tenants/${id}`, { body: { name: "Seeded 2" } });
    expect(res.status).toBe(200);
  });

  it("a write racing a DELETE does not bring the tenant back (no registry row: 409)", async () => {
    const id = uniqueId("raced");
    await createTenant(id);
    // The DELETE has removed the registry row but the writer still read the tenant from KV.
    await env.DB.prepare("DELETE FROM tenants WHERE id = ?").bind(id).run();
    const res = await call("PATCH", `/tenants/${id}`, { body: { name: "Zombie" } });
    expect(res.status).toBe(409);
    expect(await env.DB.prepare("SELECT id FROM tenants WHERE id = ?").bind(id).first()).toBeNull();
  });

  it("rotating the API key invalidates the old one", async () => {
    const id = uniqueId("rotate");
    const { apiKey: oldKey } = await createTenant(id);
    const res = await call("POST", `/tenants/${id}/api-key`, { token: oldKey });
    expect(res.status).toBe(200);
    const newKey = res.json.apiKey as string;
    expect(newKey).toMatch(new RegExp(`^sk_${id}_[0-9a-f]{64}$`));
    expect(newKey).not.toBe(oldKey);
    expect((await call("GET", `/tenants/${id}`, { token: oldKey })).status).toBe(401);
    expect((await call("GET", `/tenants/${id}`, { token: newKey })).status).toBe(200);
    expect(await storedJson(id)).not.toContain(newKey);
  });
});

describe("DELETE /v1/admin/tenants/:id", () => {
  it("purges every store and answers with a receipt; the audit log survives", async () => {
    const id = uniqueId("purge");
    const other = uniqueId("purge-other");
    await createTenant(id);
    await createTenant(other);
    await call("PUT", `/tenants/${id}/sources/shop`, { body: { type: "standard", secret: STANDARD_SECRET } });
    await call("PUT", `/tenants/${id}/destinations/meta-main`, { body: metaDestination() });
    await env.EVENTS.put(`${id}/raw/e1`, "x");
    await env.EVENTS.put(`${id}/raw/e2`, "y");
    await env.EVENTS.put(`${other}/raw/e1`, "keep");
    // A similar-looking prefix of another tenant must not match `${id}/`.
    await env.EVENTS.put(`${id}-x/raw/e1`, "keep");
    await env.DB.batch([
      env.DB.prepare("INSERT INTO hourly_stats (tenant_id, hour, metric, count) VALUES (?, '2026-11-22T10', 'received', 3)").bind(id),
      env.DB.prepare(
        "INSERT INTO hourly_stats (tenant_id, hour, metric, destination_id, count) VALUES (?, '2026-11-22T10', 'delivered', 'meta-main', 2)",
      ).bind(id),
      env.DB.prepare("INSERT INTO hourly_stats (tenant_id, hour, metric, count) VALUES (?, '2026-11-22T10', 'received', 1)").bind(other),
    ]);

    const res = await call("DELETE", `/tenants/${id}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      deleted: id,
      deletedAt: expect.any(String),
      purged: {
        durableObject: {
          events: 0,
          deliveries: 0,
          beacons: 0,
          suppressions: 0,
          eventSubjects: 0,
          beaconSubjects: 0,
          consentDenials: 0,
          circuits: 0,
          laneHolds: 0,
          counters: 0,
        },
        r2Objects: 2,
        kv: 1,
        d1Rows: 3,
      },
    });

    expect(await storedJson(id)).toBeNull();
    expect((await env.EVENTS.list({ prefix: `${id}/` })).objects).toHaveLength(0);
    expect(await env.EVENTS.get(`${other}/raw/e1`)).not.toBeNull();
    expect(await env.EVENTS.get(`${id}-x/raw/e1`)).not.toBeNull();
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM tenants WHERE id = ?").bind(id).first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM hourly_stats WHERE tenant_id = ?").bind(id).first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM hourly_stats WHERE tenant_id = ?").bind(other).first("n")).toBe(1);
    expect(await storedJson(other)).not.toBeNull();

    const actions = (await auditRows(id)).map((r) => r.action);
    expect(actions).toEqual(["tenant.create", "source.put", "destination.put", "tenant.delete"]);

    const again = await call("GET", `/tenants/${id}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("tenant_not_found");
  });

  it("an EU tenant's R2 objects are deleted from the EU bucket", async () => {
    const id = uniqueId("purge-eu");
    await createTenant(id, { region: "eu" });
    await env.EVENTS_EU.put(`${id}/raw/e1`, "x");
    const res = await exports.default.fetch(`http://sluice.test/v1/admin/tenants/${id}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer test-admin-token" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { purged: { r2Objects: number } }).purged.r2Objects).toBe(1);
    expect((await env.EVENTS_EU.list({ prefix: `${id}/` })).objects).toHaveLength(0);
    const audit = await auditRows(id);
    expect(audit.at(-1)).toMatchObject({ action: "tenant.delete", actor: "operator" });
  });
});
