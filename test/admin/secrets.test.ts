import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decryptDestinationCredentials, decryptSourceSecret, getTenant } from "../../src/config/tenant-store";
import { auditRows, call, GOOGLE_CREDENTIALS, META_TOKEN, seenBodies, STANDARD_SECRET, storedJson, uniqueId } from "./helpers";

// Commitment 9: secrets are encrypted at rest and never returned by any API.

const ROLLER_SECRET = "roller-shared-key-SUPERSECRET-0123456789abcdef";
const NEW_META_TOKEN = "EAAG-rotated-token-SUPERSECRET-0002";

async function fullSequence() {
  const id = uniqueId("secrets");
  const created = await call("POST", "/tenants", { body: { id, name: "Secret Keeper", region: "eu" } });
  expect(created.status).toBe(201);
  const apiKey = created.json.apiKey as string;
  const t = `/tenants/${id}`;
  const steps: Array<[string, string, unknown?]> = [
    ["PUT", `${t}/sources/shop`, { type: "standard", secret: STANDARD_SECRET, options: { note: "main shop" } }],
    ["PUT", `${t}/sources/venue`, { type: "roller", secret: ROLLER_SECRET, options: { currency: "EUR" } }],
    [
      "PUT",
      `${t}/destinations/meta-main`,
      { type: "meta", enabled: true, settings: { pixelId: "111" }, credentials: { accessToken: META_TOKEN } },
    ],
    [
      "PUT",
      `${t}/destinations/gads`,
      {
        type: "google_ads",
        enabled: true,
        settings: { customerId: "123-456-7890", conversionActionId: "987" },
        credentials: GOOGLE_CREDENTIALS,
      },
    ],
    ["PUT", `${t}/destinations/meta-main`, { type: "meta", enabled: false, settings: { pixelId: "222" } }],
    ["PUT", `${t}/destinations/meta-main`, { type: "meta", settings: { pixelId: "222" }, credentials: { accessToken: NEW_META_TOKEN } }],
    ["PUT", `${t}/consent-policy`, { googleOnDenied: "send_denied_flag", categoryMap: { marketing: ["meta-main", "gads"] } }],
    ["PATCH", t, { name: "Secret Keeper 2" }],
    ["GET", t],
    ["GET", `${t}/sources`],
    ["GET", `${t}/sources/shop`],
    ["GET", `${t}/destinations`],
    ["GET", `${t}/destinations/meta-main`],
    ["GET", `${t}/destinations/gads`],
    ["GET", `${t}/consent-policy`],
    ["GET", "/tenants?limit=100"],
  ];
  for (const [method, path, body] of steps) {
    const res = await call(method, path, { body });
    expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  }
  // The same reads with the tenant's own key.
  for (const path of [t, `${t}/sources/venue`, `${t}/destinations/gads`]) {
    expect((await call("GET", path, { token: apiKey })).status).toBe(200);
  }
  return { id, apiKey };
}

const SECRETS = [
  STANDARD_SECRET,
  STANDARD_SECRET.slice("whsec_".length),
  ROLLER_SECRET,
  META_TOKEN,
  NEW_META_TOKEN,
  ...Object.values(GOOGLE_CREDENTIALS).filter((v) => v !== GOOGLE_CREDENTIALS.clientId),
  "SUPERSECRET",
];

describe("secrets at rest and in responses", () => {
  it("no admin response body contains a secret, credential, key hash or ciphertext", async () => {
    const start = seenBodies.length;
    const { id, apiKey } = await fullSequence();
    const stored = JSON.parse((await storedJson(id))!);
    const bodies = seenBodies.slice(start);
    // The creation response is the one place the API key may appear.
    const afterCreate = bodies.slice(1).join("\n");
    for (const secret of [...SECRETS, apiKey, stored.apiKeyHash, stored.sources.shop.secret, stored.destinations.gads.credentials]) {
      expect(afterCreate).not.toContain(secret);
    }
    expect(afterCreate).not.toContain("apiKeyHash");
    expect(afterCreate).not.toMatch(/"v[12]\.[A-Za-z0-9_-]+\./);
    for (const secret of SECRETS) expect(bodies[0]).not.toContain(secret);
  });

  it("GET shows which secrets are set, never their values", async () => {
    const { id } = await fullSequence();
    const source = await call("GET", `/tenants/${id}/sources/shop`);
    expect(source.json).toEqual({
      id: "shop",
      type: "standard",
      options: { note: "main shop" },
      secretSet: true,
      credentialsSet: [],
      updatedAt: expect.any(String),
    });
    const gads = await call("GET", `/tenants/${id}/destinations/gads`);
    expect(gads.json).toEqual({
      id: "gads",
      type: "google_ads",
      enabled: true,
      settings: { customerId: "1234567890", conversionActionId: "987" },
      credentialsSet: ["developerToken", "clientId", "clientSecret", "refreshToken"],
      updatedAt: expect.any(String),
      lane: { state: "ok" },
    });
  });

  it("KV holds only the API key hash and ciphertexts, bound to their tenant and id", async () => {
    const { id, apiKey } = await fullSequence();
    const raw = (await storedJson(id))!;
    for (const secret of [...SECRETS, apiKey, apiKey.slice(-64)]) expect(raw).not.toContain(secret);
    const stored = JSON.parse(raw);
    expect(stored.apiKeyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.sources.shop.secret).toMatch(/^v2\.[0-9a-f]{8}\./);
    expect(stored.destinations["meta-main"].credentials).toMatch(/^v2\.[0-9a-f]{8}\./);
    expect(stored.destinations["meta-main"].credentialFields).toEqual(["accessToken"]);

    const tenant = (await getTenant(env, id))!;
    expect(await decryptSourceSecret(env, tenant, "shop")).toBe(STANDARD_SECRET);
    expect(await decryptSourceSecret(env, tenant, "venue")).toBe(ROLLER_SECRET);
    expect(await decryptDestinationCredentials(env, tenant, "meta-main")).toEqual({ accessToken: NEW_META_TOKEN });
    expect(await decryptDestinationCredentials(env, tenant, "gads")).toEqual(GOOGLE_CREDENTIALS);

    // A ciphertext copied to another source, destination or tenant does not decrypt.
    const swapped = structuredClone(tenant);
    swapped.sources.venue!.secret = tenant.sources.shop!.secret;
    await expect(decryptSourceSecret(env, swapped, "venue")).rejects.toThrow("could not be decrypted");
    swapped.destinations.gads!.credentials = tenant.destinations["meta-main"]!.credentials;
    await expect(decryptDestinationCredentials(env, swapped, "gads")).rejects.toThrow("could not be decrypted");
    const other = { ...structuredClone(tenant), id: "someone-else" };
    await expect(decryptSourceSecret(env, other, "shop")).rejects.toThrow("could not be decrypted");

    await expect(decryptSourceSecret(env, tenant, "nope")).rejects.toMatchObject({ status: 404, code: "source_not_found" });
    await expect(decryptSourceSecret(env, tenant, "constructor")).rejects.toMatchObject({ code: "source_not_found" });
    await expect(decryptDestinationCredentials(env, tenant, "nope")).rejects.toMatchObject({ code: "destination_not_found" });
  });

  it("writes one audit row per mutation, with field names and no secret values", async () => {
    const { id, apiKey } = await fullSequence();
    const rotated = await call("POST", `/tenants/${id}/api-key`, { token: apiKey });
    const newKey = rotated.json.apiKey as string;
    expect((await call("DELETE", `/tenants/${id}/sources/venue`, { token: newKey })).status).toBe(200);
    expect((await call("DELETE", `/tenants/${id}/destinations/gads`)).status).toBe(200);
    const rows = await auditRows(id);
    expect(rows.map((r) => [r.action, r.target_id])).toEqual([
      ["tenant.create", id],
      ["source.put", "shop"],
      ["source.put", "venue"],
      ["destination.put", "meta-main"],
      ["destination.put", "gads"],
      ["destination.put", "meta-main"],
      ["destination.put", "meta-main"],
      ["consent_policy.put", "consent-policy"],
      ["tenant.update", id],
      ["tenant.rotate_key", id],
      ["source.delete", "venue"],
      ["destination.delete", "gads"],
    ]);
    expect(rows.slice(0, 9).every((r) => r.actor === "operator")).toBe(true);
    expect(rows[9]!.actor).toBe(`tenant:${id}`);
    expect(rows[10]!.actor).toBe(`tenant:${id}`);
    expect(rows.every((r) => r.tenant_id === id && !Number.isNaN(Date.parse(r.at)))).toBe(true);

    const details = rows.map((r) => JSON.parse(r.detail));
    expect(details[0]).toEqual({ fields: ["id", "name", "region", "allowedOrigins", "rawCapture", "beaconAuth"], created: true });
    expect(details[1]).toEqual({ fields: ["options", "type", "secret"], created: true });
    expect(details[4]).toEqual({
      fields: [
        "enabled",
        "type",
        "settings.conversionActionId",
        "settings.customerId",
        "credentials.developerToken",
        "credentials.clientId",
        "credentials.clientSecret",
        "credentials.refreshToken",
      ],
      created: true,
    });
    // Settings changed without resending credentials: no credential is named as changed.
    expect(details[5]).toEqual({ fields: ["enabled", "settings.pixelId"], created: false });
    expect(details[6]).toEqual({ fields: ["credentials.accessToken"], created: false });
    expect(details[7]).toEqual({ fields: ["categoryMap", "googleOnDenied"] });
    expect(details[8]).toEqual({ fields: ["name"] });
    expect(details[9]).toEqual({ fields: ["apiKey"] });

    const everything = JSON.stringify(rows);
    for (const secret of [...SECRETS, apiKey, newKey]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/v[12]\.([0-9a-f]{8}\.)?[A-Za-z0-9_-]{16}\./);
  });

  it("a request that changes nothing writes no audit row", async () => {
    const id = uniqueId("noop");
    await call("POST", "/tenants", { body: { id, name: "Noop", region: "us" } });
    await call("PATCH", `/tenants/${id}`, { body: { name: "Noop" } });
    await call("PUT", `/tenants/${id}/consent-policy`, { body: {} });
    expect((await auditRows(id)).map((r) => r.action)).toEqual(["tenant.create"]);
  });

  it("failed mutations write no audit row", async () => {
    const id = uniqueId("failed");
    await call("POST", "/tenants", { body: { id, name: "Failed", region: "us" } });
    await call("PATCH", `/tenants/${id}`, { body: { region: "eu" } });
    await call("PUT", `/tenants/${id}/sources/shop`, { body: { type: "standard", secret: "whsec_short" } });
    await call("PUT", `/tenants/${id}/destinations/m`, { body: { type: "meta", settings: { pixelId: "1" } } });
    expect((await auditRows(id)).map((r) => r.action)).toEqual(["tenant.create"]);
  });
});
