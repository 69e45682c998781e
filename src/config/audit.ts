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
  | "tenant.api_key_create"
  | "tenant.api_key_delete"
  | "tenant.reencrypt"
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

/** One entry as the admin API shows it: names, kinds, counts and times, never a value. */
export interface AuditView {
  at: string;
  action: string;
  actor: "operator" | "tenant";
  targetId: string;
  fields: string[];
  counts?: Record<string, number>;
  created?: boolean;
}

/**
 * Built field by field from the stored detail, keeping only what the AuditDetail type allows
 * (names, counts, a flag), so a row written by older code with anything else shows nothing more.
 */
export function auditView(row: Pick<AuditRow, "at" | "action" | "actor" | "target_id" | "detail">): AuditView {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.detail);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
  } catch {
    // An unreadable detail shows as no fields.
  }
  const fields = Array.isArray(detail.fields) ? detail.fields.filter((f): f is string => typeof f === "string") : [];
  const counts =
    detail.counts && typeof detail.counts === "object"
      ? Object.fromEntries(Object.entries(detail.counts).filter((e): e is [string, number] => typeof e[1] === "number"))
      : undefined;
  return {
    at: row.at,
    action: row.action,
    actor: row.actor === "operator" ? "operator" : "tenant",
    targetId: row.target_id,
    fields,
    ...(counts && Object.keys(counts).length > 0 ? { counts } : {}),
    ...(typeof detail.created === "boolean" ? { created: detail.created } : {}),
  };
}

/** A tenant's audit entries, newest first, `since` ≤ at < `before`. */
export async function listAudit(
  db: D1Database,
  tenantId: string,
  opts: { limit: number; since?: string; before?: string },
): Promise<AuditView[]> {
  const { results } = await db
    .prepare(
      `SELECT at, action, actor, target_id, detail FROM audit_log
        WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at DESC, rowid DESC LIMIT ?`,
    )
    .bind(tenantId, opts.since ?? "", opts.before ?? "\uffff", opts.limit)
    .all<Pick<AuditRow, "at" | "action" | "actor" | "target_id" | "detail">>();
  return results.map(auditView);
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
