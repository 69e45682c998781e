import { eventsBucket, tenantRelay } from "../platform/durable";
import { clock } from "../platform/clock";
import { log } from "../platform/log";
import type { PurgeReceipt } from "../platform/relay-rpc";
import { writeTombstone } from "./tombstone";
import { deleteTenantData } from "./registry";
import { deleteTenantConfig } from "./tenant-store";
import type { TenantConfig } from "./types";

export interface TenantPurgeReceipt {
  deleted: string;
  /** When the tombstone was written: from then on webhooks and beacons answer 410. */
  deletedAt: string;
  purged: {
    durableObject: PurgeReceipt;
    r2Objects: number;
    kv: number;
    d1Rows: number;
  };
}

// R2 deletes at most 1000 keys per call; the cap stops a bucket that refuses deletes from looping forever.
const R2_PAGE = 1000;
const R2_MAX_PAGES = 10_000;

/**
 * Erase every store of a tenant. The tombstone goes first (D1, then the object's own flag inside
 * `purgeTenant`), so from that moment nothing new is stored whatever KV still serves elsewhere.
 * Event data goes next and the KV config last, so a purge that fails half way leaves the tenant
 * visible and the operator can simply retry; every step is idempotent. The audit log and the
 * tombstone are kept.
 */
export async function purgeTenantStores(env: Env, tenant: TenantConfig): Promise<TenantPurgeReceipt> {
  const deletedAt = new Date(clock.now()).toISOString();
  await writeTombstone(env.DB, tenant.id, deletedAt);
  // Spread into a plain object: the RPC result is a stub-side proxy type.
  const durableObject: PurgeReceipt = { ...(await tenantRelay(env, tenant).purgeTenant()) };
  const r2Objects = await deletePrefix(eventsBucket(env, tenant), `${tenant.id}/`);
  const d1Rows = await deleteTenantData(env.DB, tenant.id);
  await deleteTenantConfig(env, tenant.id);
  log.info("tenant_purged", { tenantId: tenant.id, count: durableObject.events + r2Objects + d1Rows });
  return { deleted: tenant.id, deletedAt, purged: { durableObject, r2Objects, kv: 1, d1Rows } };
}

/** Deletes every object under `prefix`; relists from the start because deleting shifts cursors. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  for (let page = 0; page < R2_MAX_PAGES; page++) {
    const listing = await bucket.list({ prefix, limit: R2_PAGE });
    if (listing.objects.length === 0) return deleted;
    await bucket.delete(listing.objects.map((o) => o.key));
    deleted += listing.objects.length;
  }
  throw new Error(`R2 prefix ${prefix} still not empty after ${R2_MAX_PAGES} pages`);
}
