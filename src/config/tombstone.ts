import { ApiError } from "../http/errors";

/**
 * Tenant tombstones: a deleted tenant's id is recorded in D1 before anything is purged, and the
 * tenant's Durable Object keeps its own flag (see TenantRelay.purgeTenant). KV, which the hot path
 * reads, can serve a deleted tenant's config for about 60 s at other locations
 * (https://developers.cloudflare.com/kv/concepts/how-kv-works/#consistency); the object's flag is
 * what refuses a webhook or beacon in that window, strongly consistent because every write for a
 * tenant goes through its one object. The D1 row answers 410 once KV has forgotten the tenant.
 */

export async function writeTombstone(db: D1Database, tenantId: string, at: string): Promise<void> {
  await db.prepare("INSERT INTO tenant_tombstones (id, deleted_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING").bind(tenantId, at).run();
}

export async function isTombstoned(db: D1Database, tenantId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS gone FROM tenant_tombstones WHERE id = ?").bind(tenantId).first<{ gone: number }>()) !== null;
}

export function tenantGone(): ApiError {
  return new ApiError(410, "tenant_deleted", "This tenant was deleted");
}

/** For a tenant id KV does not know: 410 if it was deleted, else the caller's own 404. */
export async function throwIfTombstoned(db: D1Database, tenantId: string): Promise<void> {
  if (await isTombstoned(db, tenantId)) throw tenantGone();
}
