import type { TenantConfig } from "./types";

/**
 * The webhook and beacon routes' copy of tenant configs, per isolate, for a few seconds: a KV read
 * on every request was the largest cost of a webhook outside the Durable Object (`npm run bench`
 * profile, tenant_lookup). Keyed by KV namespace and tenant id; a config holds no secret in clear
 * (secrets stay AES-GCM ciphertexts) and one tenant's entry is never served for another id.
 *
 * Staleness: an admin write in this isolate drops the entry at once (tenant-store.ts). Other
 * isolates keep theirs for up to TTL_MS, which adds little to KV's own propagation, up to ~60 s
 * between locations (https://developers.cloudflare.com/kv/concepts/how-kv-works/). A deleted
 * tenant is refused by its Durable Object's tombstone however stale the config, and the entry is
 * dropped when that happens. Admin reads never use this cache: they read-modify-write.
 */
export const TENANT_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  tenant: TenantConfig;
  until: number;
}

const caches = new WeakMap<KVNamespace, Map<string, Entry>>();

function cacheOf(kv: KVNamespace): Map<string, Entry> {
  let cache = caches.get(kv);
  if (!cache) caches.set(kv, (cache = new Map()));
  return cache;
}

export function cachedTenant(kv: KVNamespace, id: string, now = Date.now()): TenantConfig | undefined {
  const cache = cacheOf(kv);
  const entry = cache.get(id);
  if (!entry) return undefined;
  if (entry.until > now) return entry.tenant;
  cache.delete(id);
  return undefined;
}

export function rememberTenant(kv: KVNamespace, tenant: TenantConfig, now = Date.now()): void {
  const cache = cacheOf(kv);
  cache.delete(tenant.id);
  // Oldest first out: a Map iterates in insertion order.
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(tenant.id, { tenant, until: now + TENANT_CACHE_TTL_MS });
}

export function forgetTenant(kv: KVNamespace, id: string): void {
  caches.get(kv)?.delete(id);
}
