import type { Context } from "hono";
import { recordAudit, type AuditEntry } from "../../config/audit";
import { updateTenantConfig } from "../../config/tenant-store";
import type { TenantConfig } from "../../config/types";
import { log } from "../../platform/log";
import { actorLabel } from "./auth";
import type { AdminEnv } from "./context";

/**
 * The one write path of tenant-scoped admin routes: a checked config write, then its audit row.
 * The audit row is written after the change succeeded, so the log never claims a change that
 * did not happen.
 */
export async function commitTenant(
  c: Context<AdminEnv>,
  next: TenantConfig,
  audit: Omit<AuditEntry, "actor" | "tenantId">,
): Promise<TenantConfig> {
  const prev = c.get("tenant");
  const saved = await updateTenantConfig(c.env, prev, next);
  await recordAudit(c.env.DB, { actor: actorLabel(c.get("actor")), tenantId: prev.id, ...audit });
  log.info("admin_change", { tenantId: prev.id, action: audit.action });
  c.set("tenant", saved);
  return saved;
}
