import { Hono } from "hono";
import { z } from "zod";
import { newApiKeyRecord, withApiKeys } from "../../config/api-keys";
import { changedKeys, recordAudit } from "../../config/audit";
import { generateTenantId } from "../../config/ids";
import { purgeTenantStores } from "../../config/purge";
import { tenantView } from "../../config/redact";
import { listTenantRows } from "../../config/registry";
import { createTenantSchema, patchTenantSchema } from "../../config/tenant-schema";
import { createTenantConfig } from "../../config/tenant-store";
import { DEFAULT_CONSENT_POLICY, type TenantConfig } from "../../config/types";
import { readJson, validate } from "../../http/body";
import { ApiError } from "../../http/errors";
import { clock } from "../../platform/clock";
import { relayNamespace } from "../../platform/durable";
import { log } from "../../platform/log";
import { actorLabel, requireOperator } from "./auth";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/** `/v1/admin/tenants`: create (operator) and list (operator). */
export const tenantCollectionRoutes = new Hono<AdminEnv>();

// Per handler, not use("*"): mounted at /tenants, a "*" middleware would also cover /tenants/:id/*.
tenantCollectionRoutes.post("/", requireOperator, async (c) => {
  const body = await readJson(c, createTenantSchema);
  // Throws 503 for an EU tenant where the EU jurisdiction is not configured (fail closed).
  relayNamespace(c.env, body.region);
  const id = body.id ?? generateTenantId(body.name);
  const now = new Date(clock.now()).toISOString();
  const { apiKey, record } = await newApiKeyRecord(id, now);
  const tenant: TenantConfig = {
    id,
    name: body.name,
    region: body.region,
    ...(body.defaultCountry !== undefined && { defaultCountry: body.defaultCountry }),
    ...(body.timezone !== undefined && { timezone: body.timezone }),
    ...(body.siteUrl !== undefined && { siteUrl: body.siteUrl }),
    allowedOrigins: body.allowedOrigins,
    rawCapture: body.rawCapture,
    beaconAuth: body.beaconAuth,
    ...(body.webhookQuota !== undefined && { webhookQuota: body.webhookQuota }),
    apiKeyHash: record.hash,
    apiKeys: [record],
    consentPolicy: structuredClone(DEFAULT_CONSENT_POLICY),
    sources: {},
    destinations: {},
    createdAt: now,
    updatedAt: now,
  };
  await createTenantConfig(c.env, tenant);
  const fields = [
    "id",
    "name",
    "region",
    "defaultCountry",
    "timezone",
    "siteUrl",
    "allowedOrigins",
    "rawCapture",
    "beaconAuth",
    "webhookQuota",
  ].filter((k) => tenant[k as keyof TenantConfig] !== undefined);
  await recordAudit(c.env.DB, {
    actor: actorLabel(c.get("actor")),
    tenantId: id,
    action: "tenant.create",
    targetId: id,
    detail: { fields, created: true },
  });
  log.info("admin_change", { tenantId: id, action: "tenant.create" });
  return c.json({ tenant: tenantView(tenant), apiKey }, 201);
});

/** The query of `GET /v1/admin/tenants` (the OpenAPI document describes it from this schema). */
export const tenantListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.string().optional().describe("The `next` of the previous page"),
});

tenantCollectionRoutes.get("/", requireOperator, async (c) => {
  const { limit, after } = validate(tenantListQuery, c.req.query());
  const rows = await listTenantRows(c.env.DB, { limit, ...(after !== undefined && { after }) });
  return c.json({
    tenants: rows.map((r) => ({ id: r.id, name: r.name, region: r.region, createdAt: r.created_at, updatedAt: r.updated_at })),
    next: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
  });
});

tenantCollectionRoutes.all("/", methodNotAllowed(["GET", "POST"]));

/** `/v1/admin/tenants/:id` (behind tenantAccess): read, change, delete, rotate the key. */
export const tenantRoutes = new Hono<AdminEnv>();

tenantRoutes.get("/", (c) => c.json({ tenant: tenantView(c.get("tenant")) }));

tenantRoutes.patch("/", async (c) => {
  const body = await readJson(c, patchTenantSchema);
  const tenant = c.get("tenant");
  // The Durable Object and R2 objects live in the region's jurisdiction; they cannot move.
  if (body.region !== undefined && body.region !== tenant.region) {
    throw new ApiError(400, "region_immutable", "A tenant's region cannot change; create a new tenant instead");
  }
  const next: TenantConfig = { ...tenant };
  if (body.name !== undefined) next.name = body.name;
  if (body.allowedOrigins !== undefined) next.allowedOrigins = body.allowedOrigins;
  if (body.rawCapture !== undefined) next.rawCapture = body.rawCapture;
  if (body.beaconAuth !== undefined) next.beaconAuth = body.beaconAuth;
  if (body.defaultCountry === null) delete next.defaultCountry;
  else if (body.defaultCountry !== undefined) next.defaultCountry = body.defaultCountry;
  if (body.timezone === null) delete next.timezone;
  else if (body.timezone !== undefined) next.timezone = body.timezone;
  if (body.siteUrl === null) delete next.siteUrl;
  else if (body.siteUrl !== undefined) next.siteUrl = body.siteUrl;
  if (body.webhookQuota !== undefined) {
    // The quota limits what the tenant may send: the tenant's own key does not set it.
    if (c.get("actor").kind !== "operator") throw new ApiError(403, "forbidden", "Only the operator may set webhookQuota");
    if (body.webhookQuota === null) delete next.webhookQuota;
    else next.webhookQuota = body.webhookQuota;
  }

  const pick = (t: TenantConfig) => ({
    name: t.name,
    defaultCountry: t.defaultCountry,
    timezone: t.timezone,
    siteUrl: t.siteUrl,
    allowedOrigins: t.allowedOrigins,
    rawCapture: t.rawCapture ?? false,
    beaconAuth: t.beaconAuth ?? "signed",
    webhookQuota: t.webhookQuota,
  });
  const fields = changedKeys(pick(tenant), pick(next));
  if (fields.length === 0) return c.json({ tenant: tenantView(tenant) });
  const saved = await commitTenant(c, next, { action: "tenant.update", targetId: tenant.id, detail: { fields } });
  return c.json({ tenant: tenantView(saved) });
});

/**
 * Operator only: deletion is irreversible and retires the id, so a leaked or careless tenant key
 * must not be able to do it.
 */
tenantRoutes.delete("/", requireOperator, async (c) => {
  const tenant = c.get("tenant");
  const receipt = await purgeTenantStores(c.env, tenant);
  await recordAudit(c.env.DB, {
    actor: actorLabel(c.get("actor")),
    tenantId: tenant.id,
    action: "tenant.delete",
    targetId: tenant.id,
    detail: {
      counts: {
        durableObjectEvents: receipt.purged.durableObject.events,
        durableObjectDeliveries: receipt.purged.durableObject.deliveries,
        durableObjectBeacons: receipt.purged.durableObject.beacons,
        durableObjectSuppressions: receipt.purged.durableObject.suppressions,
        r2Objects: receipt.purged.r2Objects,
        kv: receipt.purged.kv,
        d1Rows: receipt.purged.d1Rows,
      },
    },
  });
  return c.json(receipt);
});

tenantRoutes.all("/", methodNotAllowed(["GET", "PATCH", "DELETE"]));

/**
 * A lost key can only be replaced: every key of the tenant stops working at once. For a rotation
 * without downtime use `/api-keys` (add, switch over, delete the old one).
 */
tenantRoutes.post("/api-key", async (c) => {
  const tenant = c.get("tenant");
  const { apiKey, record } = await newApiKeyRecord(tenant.id, new Date(clock.now()).toISOString());
  await commitTenant(c, withApiKeys(tenant, [record]), {
    action: "tenant.rotate_key",
    targetId: tenant.id,
    detail: { fields: ["apiKey"] },
  });
  return c.json({ apiKey, keyId: record.id });
});

tenantRoutes.all("/api-key", methodNotAllowed(["POST"]));
