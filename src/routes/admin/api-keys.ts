import { Hono } from "hono";
import { apiKeyRecords, MAX_API_KEYS, newApiKeyRecord, withApiKeys } from "../../config/api-keys";
import { ApiError } from "../../http/errors";
import { clock } from "../../platform/clock";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/**
 * `/v1/admin/tenants/:id/api-keys` (operator or the tenant's own key): rotating a tenant API key
 * without downtime. Add a second key, move every client to it, delete the old one. The tenant GET
 * lists key ids; a key is shown once, its hash never.
 */
export const apiKeyRoutes = new Hono<AdminEnv>();

apiKeyRoutes.post("/", async (c) => {
  const tenant = c.get("tenant");
  const keys = apiKeyRecords(tenant);
  if (keys.length >= MAX_API_KEYS) {
    throw new ApiError(409, "api_key_limit", `A tenant holds at most ${MAX_API_KEYS} API keys; delete the old one first`);
  }
  const { apiKey, record } = await newApiKeyRecord(tenant.id, new Date(clock.now()).toISOString());
  await commitTenant(c, withApiKeys(tenant, [...keys, record]), {
    action: "tenant.api_key_create",
    targetId: record.id,
    detail: { fields: ["apiKeys"] },
  });
  return c.json({ keyId: record.id, apiKey, createdAt: record.createdAt }, 201);
});

apiKeyRoutes.get("/", (c) => c.json({ apiKeys: apiKeyRecords(c.get("tenant")).map((k) => ({ id: k.id, createdAt: k.createdAt })) }));

apiKeyRoutes.all("/", methodNotAllowed(["GET", "POST"]));

apiKeyRoutes.delete("/:keyId", async (c) => {
  const tenant = c.get("tenant");
  const keyId = c.req.param("keyId");
  const keys = apiKeyRecords(tenant);
  if (!keys.some((k) => k.id === keyId)) throw new ApiError(404, "api_key_not_found", "No API key with that id");
  if (keys.length === 1) {
    throw new ApiError(409, "last_api_key", "A tenant keeps at least one API key; add the new one before deleting this one");
  }
  await commitTenant(
    c,
    withApiKeys(
      tenant,
      keys.filter((k) => k.id !== keyId),
    ),
    {
      action: "tenant.api_key_delete",
      targetId: keyId,
      detail: { fields: ["apiKeys"] },
    },
  );
  return c.json({ deleted: keyId });
});

apiKeyRoutes.all("/:keyId", methodNotAllowed(["DELETE"]));
