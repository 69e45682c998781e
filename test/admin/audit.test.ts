import { describe, expect, it } from "vitest";
import { call, createTenant, GOOGLE_CREDENTIALS, metaDestination, META_TOKEN, STANDARD_SECRET, uniqueId } from "./helpers";

describe("GET /v1/admin/tenants/:id/audit", () => {
  it("lists action, actor kind, time and changed field names, newest first, never a value", async () => {
    const id = uniqueId("audit");
    const { apiKey } = await createTenant(id);
    await call("PUT", `/tenants/${id}/sources/shop`, { body: { type: "standard", secret: STANDARD_SECRET } });
    await call("PUT", `/tenants/${id}/destinations/meta-main`, { body: metaDestination() });
    await call("PATCH", `/tenants/${id}`, { token: apiKey, body: { name: "Renamed" } });

    const res = await call("GET", `/tenants/${id}/audit`, { token: apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json.entries.map((e: any) => [e.action, e.actor])).toEqual([
      ["tenant.update", "tenant"],
      ["destination.put", "operator"],
      ["source.put", "operator"],
      ["tenant.create", "operator"],
    ]);
    expect(res.json.entries[0]).toEqual({
      at: expect.any(String),
      action: "tenant.update",
      actor: "tenant",
      targetId: id,
      fields: ["name"],
    });
    expect(res.json.entries[1].fields).toEqual(expect.arrayContaining(["credentials.accessToken"]));
    for (const secret of [STANDARD_SECRET, META_TOKEN, apiKey, GOOGLE_CREDENTIALS.refreshToken, "Renamed"])
      expect(res.text).not.toContain(secret);
  });

  it("pages with limit, since and before; refuses bad parameters with 400", async () => {
    const id = uniqueId("audit-page");
    await createTenant(id);
    for (const name of ["a", "b", "c"]) await call("PATCH", `/tenants/${id}`, { body: { name } });
    const firstPage = await call("GET", `/tenants/${id}/audit?limit=2`);
    expect(firstPage.json.entries).toHaveLength(2);
    expect(firstPage.json.next).toBe(firstPage.json.entries[1].at);
    const all = (await call("GET", `/tenants/${id}/audit`)).json.entries;
    expect(all).toHaveLength(4);
    const since = await call("GET", `/tenants/${id}/audit?since=${encodeURIComponent(all[1].at)}`);
    expect(since.json.entries.length).toBeGreaterThanOrEqual(2);
    expect(since.json.entries.every((e: any) => e.at >= all[1].at)).toBe(true);
    const before = await call("GET", `/tenants/${id}/audit?before=${encodeURIComponent(all[0].at)}`);
    expect(before.json.entries.every((e: any) => e.at < all[0].at)).toBe(true);
    for (const q of ["limit=0", "limit=201", "limit=x", "since=yesterday", "before=2026-13-01"]) {
      const bad = await call("GET", `/tenants/${id}/audit?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.json.error.code).toBe("invalid_request");
    }
  });

  it("a tenant key reads only its own log; the operator reads any, a deleted tenant's too", async () => {
    const a = uniqueId("audit-a");
    const b = uniqueId("audit-b");
    const { apiKey: aKey } = await createTenant(a);
    await createTenant(b);
    expect((await call("GET", `/tenants/${b}/audit`, { token: aKey })).status).toBe(403);
    expect((await call("GET", `/tenants/${b}/audit`)).status).toBe(200);
    expect((await call("DELETE", `/tenants/${b}`)).status).toBe(200);
    const afterDelete = await call("GET", `/tenants/${b}/audit`);
    expect(afterDelete.status).toBe(200);
    expect(afterDelete.json.entries[0]).toMatchObject({ action: "tenant.delete", actor: "operator", fields: [] });
    expect(afterDelete.json.entries[0].counts).toMatchObject({ durableObjectEvents: 0, kv: 1 });
    expect((await call("GET", `/tenants/never-existed-x/audit`)).status).toBe(404);
  });
});
