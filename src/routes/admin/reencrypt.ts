import { Hono } from "hono";
import { z } from "zod";
import { recordAudit } from "../../config/audit";
import { encryptionKeyId, encryptionKeys } from "../../config/crypto";
import { addCounts, emptyCounts, reencryptTenant, total } from "../../config/reencrypt";
import { listTenantRows } from "../../config/registry";
import { getTenant, updateTenantConfig } from "../../config/tenant-store";
import { validate } from "../../http/body";
import { ApiError } from "../../http/errors";
import { log } from "../../platform/log";
import { requireOperator } from "./auth";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/**
 * `POST /v1/admin/reencrypt?after=&limit=` (operator): rewrites every stored secret of a page of
 * tenants under the current ENCRYPTION_KEY, for a key rotation (README "Rotating
 * ENCRYPTION_KEY"). Paged so one call stays within a request's subrequest budget; call again with
 * `after=<next>` until `next` is null. Idempotent: values already under the current key are
 * counted, not rewritten.
 */
export const reencryptRoutes = new Hono<AdminEnv>();

/** The query of `POST /v1/admin/reencrypt` (the OpenAPI document describes it from this schema). */
export const reencryptQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.string().optional().describe("The `next` of the previous call"),
});

reencryptRoutes.post("/", requireOperator, async (c) => {
  const { limit: limitParam, after } = validate(reencryptQuery, c.req.query());
  const keys = encryptionKeys(c.env);
  const rows = await listTenantRows(c.env.DB, { limit: limitParam, ...(after !== undefined && { after }) });
  const rewritten = emptyCounts();
  const alreadyCurrent = emptyCounts();
  const unreadable: Array<{ tenantId: string; fields: string[] }> = [];
  const conflicts: string[] = [];
  let tenants = 0;

  for (const row of rows) {
    const tenant = await getTenant(c.env, row.id);
    if (!tenant) continue;
    tenants += 1;
    const result = await reencryptTenant(keys, tenant);
    if (result.unreadable.length > 0) unreadable.push({ tenantId: tenant.id, fields: result.unreadable });
    addCounts(alreadyCurrent, result.alreadyCurrent);
    if (total(result.rewritten) === 0) continue;
    try {
      await updateTenantConfig(c.env, tenant, result.next);
    } catch (err) {
      // Changed by another request meanwhile: nothing was written; a second call picks it up.
      if (err instanceof ApiError && err.status === 409) {
        conflicts.push(tenant.id);
        continue;
      }
      throw err;
    }
    addCounts(rewritten, result.rewritten);
    await recordAudit(c.env.DB, {
      actor: "operator",
      tenantId: tenant.id,
      action: "tenant.reencrypt",
      targetId: tenant.id,
      detail: { counts: { ...result.rewritten } },
    });
  }
  log.info("admin_change", { action: "reencrypt", count: total(rewritten) });
  return c.json({
    keyId: await encryptionKeyId(keys.current),
    tenants,
    rewritten,
    alreadyCurrent,
    unreadable,
    conflicts,
    next: rows.length === limitParam ? (rows.at(-1)?.id ?? null) : null,
  });
});

reencryptRoutes.all("/", methodNotAllowed(["POST"]));
