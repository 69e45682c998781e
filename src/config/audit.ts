import { clock } from "../platform/clock";

/**
 * Admin audit log (D1 `audit_log`), kept when a tenant is purged. The detail type admits field
 * names, flags and counts only, so a secret or credential value cannot be recorded by mistake.
 */

export type AuditAction =
  | "tenant.create"
  | "tenant.update"
  | "tenant.delete"
  | "tenant.rotate_key"
  | "tenant.rotate_beacon_key"
  | "source.put"
  | "source.delete"
  | "destination.put"
  | "destination.delete"
  | "consent_policy.put";

export interface AuditDetail {
  /** Names of the fields written, e.g. ["name", "settings.pixelId", "credentials.accessToken"]. */
  fields?: string[];
  created?: boolean;
  counts?: Record<string, number>;
}

export interface AuditEntry {
  /** `operator` or `tenant:<id>`. */
  actor: string;
  tenantId: string;
  action: AuditAction;
  targetId: string;
  detail: AuditDetail;
}

export interface AuditRow {
  id: string;
  at: string;
  actor: string;
  tenant_id: string;
  action: AuditAction;
  target_id: string;
  detail: string;
}

export async function recordAudit(db: D1Database, entry: AuditEntry): Promise<void> {
  await db
    .prepare("INSERT INTO audit_log (id, at, actor, tenant_id, action, target_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(
      crypto.randomUUID(),
      new Date(clock.now()).toISOString(),
      entry.actor,
      entry.tenantId,
      entry.action,
      entry.targetId,
      JSON.stringify(entry.detail),
    )
    .run();
}

/**
 * Keys whose values differ between two plain JSON objects, prefixed (e.g. "settings.").
 * Compares values but returns names only.
 */
export function changedKeys(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  prefix = "",
): string[] {
  const a = before ?? {};
  const b = after ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .sort()
    .map((k) => prefix + k);
}
