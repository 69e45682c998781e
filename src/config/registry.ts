import type { TenantConfig } from "./types";

/**
 * D1 tenant registry: one row per tenant for listing, plus the optimistic-concurrency check of
 * admin writes (`updated_at` must still be what the writer read). KV stays what the hot path reads.
 */

export interface TenantRow {
  id: string;
  name: string;
  region: TenantConfig["region"];
  created_at: string;
  updated_at: string;
}

type RowSource = Pick<TenantConfig, "id" | "name" | "region" | "createdAt" | "updatedAt">;

function insertStatement(db: D1Database, t: RowSource, onConflict: string): D1PreparedStatement {
  return db
    .prepare(`INSERT INTO tenants (id, name, region, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ${onConflict}`)
    .bind(t.id, t.name, t.region, t.createdAt, t.updatedAt);
}

/** False when the id is already registered. */
export async function insertTenantRow(db: D1Database, t: RowSource): Promise<boolean> {
  const result = await insertStatement(db, t, "ON CONFLICT(id) DO NOTHING").run();
  return result.meta.changes === 1;
}

export async function upsertTenantRow(db: D1Database, t: RowSource): Promise<void> {
  await insertStatement(
    db,
    t,
    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, region = excluded.region, updated_at = excluded.updated_at",
  ).run();
}

/**
 * Write `t` only if the row still carries `expectedUpdatedAt`; false means someone else wrote in
 * between, or deleted the tenant. A missing row is not re-created here: that would let a write
 * racing a DELETE bring the tenant back. Seeds register their row through `putTenant`.
 */
export async function updateTenantRowIfUnchanged(db: D1Database, t: RowSource, expectedUpdatedAt: string): Promise<boolean> {
  const updated = await db
    .prepare("UPDATE tenants SET name = ?, updated_at = ? WHERE id = ? AND updated_at = ?")
    .bind(t.name, t.updatedAt, t.id, expectedUpdatedAt)
    .run();
  return updated.meta.changes === 1;
}

export async function deleteTenantRow(db: D1Database, id: string): Promise<void> {
  await db.prepare("DELETE FROM tenants WHERE id = ?").bind(id).run();
}

/** Registry row and aggregates of a tenant; the audit log is kept on purpose. Returns rows deleted. */
export async function deleteTenantData(db: D1Database, id: string): Promise<number> {
  const results = await db.batch([
    db.prepare("DELETE FROM hourly_stats WHERE tenant_id = ?").bind(id),
    db.prepare("DELETE FROM tenants WHERE id = ?").bind(id),
  ]);
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}

export async function listTenantRows(db: D1Database, opts: { limit: number; after?: string }): Promise<TenantRow[]> {
  const { results } = await db
    .prepare("SELECT id, name, region, created_at, updated_at FROM tenants WHERE id > ? ORDER BY id LIMIT ?")
    .bind(opts.after ?? "", opts.limit)
    .all<TenantRow>();
  return results;
}
