import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditRows, call, createTenant, storedJson, uniqueId } from "./helpers";

describe("tenant API key rotation (/tenants/:id/api-keys)", () => {
  it("adds a second key, both work, the old one is deleted, the new one keeps working", async () => {
    const id = uniqueId("keys");
    const { apiKey: first } = await createTenant(id);
    const initial = (await call("GET", `/tenants/${id}`)).json.tenant.apiKeys;
    expect(initial).toHaveLength(1);

    // The tenant rotates its own key.
    const added = await call("POST", `/tenants/${id}/api-keys`, { token: first });
    expect(added.status).toBe(201);
    expect(added.json.keyId).toMatch(/^ak_[0-9a-f]{12}$/);
    expect(added.json.apiKey).toMatch(new RegExp(`^sk_${id}_[0-9a-f]{64}$`));
    expect(added.headers.get("cache-control")).toBe("no-store");
    const second = added.json.apiKey as string;
    for (const token of [first, second]) expect((await call("GET", `/tenants/${id}`, { token })).status).toBe(200);

    const listed = await call("GET", `/tenants/${id}`, { token: second });
    expect(listed.json.tenant.apiKeys.map((k: { id: string }) => k.id)).toEqual([initial[0].id, added.json.keyId]);
    // Ids and dates only: never a key or a hash.
    const stored = JSON.parse((await storedJson(id))!);
    for (const k of stored.apiKeys) expect(listed.text).not.toContain(k.hash);
    expect(listed.text).not.toContain(first);

    const third = await call("POST", `/tenants/${id}/api-keys`, { token: second });
    expect(third.status).toBe(409);
    expect(third.json.error.code).toBe("api_key_limit");

    const removed = await call("DELETE", `/tenants/${id}/api-keys/${initial[0].id}`, { token: second });
    expect(removed.status).toBe(200);
    expect((await call("GET", `/tenants/${id}`, { token: first })).status).toBe(401);
    expect((await call("GET", `/tenants/${id}`, { token: second })).status).toBe(200);

    const last = await call("DELETE", `/tenants/${id}/api-keys/${added.json.keyId}`, { token: second });
    expect(last.status).toBe(409);
    expect(last.json.error.code).toBe("last_api_key");
    expect((await call("DELETE", `/tenants/${id}/api-keys/ak_000000000000`)).status).toBe(404);

    const actions = (await auditRows(id)).map((r) => r.action);
    expect(actions).toEqual(["tenant.create", "tenant.api_key_create", "tenant.api_key_delete"]);
  });

  it("another tenant's key cannot add or delete keys", async () => {
    const a = uniqueId("keys-a");
    const b = uniqueId("keys-b");
    const { apiKey: aKey } = await createTenant(a);
    await createTenant(b);
    const bKeys = (await call("GET", `/tenants/${b}`)).json.tenant.apiKeys;
    expect((await call("POST", `/tenants/${b}/api-keys`, { token: aKey })).status).toBe(403);
    expect((await call("DELETE", `/tenants/${b}/api-keys/${bKeys[0].id}`, { token: aKey })).status).toBe(403);
  });

  it("a tenant stored before key ids keeps its key, listed as ak_initial and rotatable", async () => {
    const id = uniqueId("keys-legacy");
    const { apiKey } = await createTenant(id);
    const stored = JSON.parse((await storedJson(id))!);
    delete stored.apiKeys;
    await env.CONFIG.put(`tenant:${id}`, JSON.stringify(stored));
    const view = await call("GET", `/tenants/${id}`, { token: apiKey });
    expect(view.status).toBe(200);
    expect(view.json.tenant.apiKeys).toEqual([{ id: "ak_initial", createdAt: stored.createdAt }]);
    const added = await call("POST", `/tenants/${id}/api-keys`, { token: apiKey });
    expect(added.status).toBe(201);
    expect((await call("DELETE", `/tenants/${id}/api-keys/ak_initial`, { token: added.json.apiKey })).status).toBe(200);
    expect((await call("GET", `/tenants/${id}`, { token: apiKey })).status).toBe(401);
  });

  it("POST /api-key still replaces every key at once", async () => {
    const id = uniqueId("keys-replace");
    const { apiKey } = await createTenant(id);
    const added = (await call("POST", `/tenants/${id}/api-keys`)).json.apiKey as string;
    const replaced = await call("POST", `/tenants/${id}/api-key`);
    expect(replaced.status).toBe(200);
    for (const old of [apiKey, added]) expect((await call("GET", `/tenants/${id}`, { token: old })).status).toBe(401);
    expect((await call("GET", `/tenants/${id}`, { token: replaced.json.apiKey })).json.tenant.apiKeys).toEqual([
      { id: replaced.json.keyId, createdAt: expect.any(String) },
    ]);
  });
});
