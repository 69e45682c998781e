import { ApiError } from "../http/errors";
import { clock } from "../platform/clock";
import { decryptWithEnv, DecryptError, secretAad } from "./crypto";
import { isValidId } from "./ids";
import { isTombstoned } from "./tombstone";
import { cachedTenant, forgetTenant, rememberTenant } from "./tenant-cache";
import { deleteTenantRow, insertTenantRow, updateTenantRowIfUnchanged, upsertTenantRow } from "./registry";
import type { DestinationConfig, SourceConfig, TenantConfig } from "./types";
import { SourceKey } from "../sources/shared/crypto";

/**
 * Tenant config: KV `tenant:<id>` → JSON TenantConfig, read on the hot path; the D1 registry row is
 * written alongside. Secrets inside are AES-GCM ciphertexts; decrypt them only here.
 */

export function tenantKey(id: string): string {
  return `tenant:${id}`;
}

/**
 * `cacheTtl` (seconds, ≥ 30) suits the hot path; admin reads leave it unset, because they
 * read-modify-write and must not start from a cached copy.
 */
export async function getTenant(env: Env, id: string, opts: { cacheTtl?: number } = {}): Promise<TenantConfig | null> {
  // An id that cannot exist is not looked up (and a long one would exceed KV's 512-byte key limit).
  if (!isValidId(id)) return null;
  const key = tenantKey(id);
  return opts.cacheTtl
    ? env.CONFIG.get<TenantConfig>(key, { type: "json", cacheTtl: opts.cacheTtl })
    : env.CONFIG.get<TenantConfig>(key, "json");
}

/**
 * The hot path's read (webhooks, beacons): a config this isolate read less than a few seconds ago,
 * else KV. See tenant-cache.ts for how stale it may be.
 */
export async function getTenantForRequest(env: Env, id: string): Promise<TenantConfig | null> {
  const cached = cachedTenant(env.CONFIG, id);
  if (cached) return cached;
  const tenant = await getTenant(env, id);
  if (tenant && tenant.id === id) rememberTenant(env.CONFIG, tenant);
  return tenant;
}

/** Unconditional write of KV and the registry row (seeding, scripts). Admin routes use the checked writes below. */
export async function putTenant(env: Env, tenant: TenantConfig): Promise<void> {
  await upsertTenantRow(env.DB, tenant);
  await env.CONFIG.put(tenantKey(tenant.id), JSON.stringify(tenant));
  forgetTenant(env.CONFIG, tenant.id);
}

export async function deleteTenantConfig(env: Env, id: string): Promise<void> {
  await env.CONFIG.delete(tenantKey(id));
  forgetTenant(env.CONFIG, id);
}

/**
 * Registers a new tenant; 409 `tenant_exists` if the id is taken in KV or D1, 409
 * `tenant_id_retired` if a tenant of that id was deleted (see src/config/tombstone.ts).
 */
export async function createTenantConfig(env: Env, tenant: TenantConfig): Promise<void> {
  if (await isTombstoned(env.DB, tenant.id)) {
    throw new ApiError(
      409,
      "tenant_id_retired",
      `Tenant id "${tenant.id}" belonged to a deleted tenant and cannot be reused; choose another id`,
    );
  }
  if ((await getTenant(env, tenant.id)) || !(await insertTenantRow(env.DB, tenant))) {
    throw new ApiError(409, "tenant_exists", `Tenant "${tenant.id}" already exists`);
  }
  try {
    await env.CONFIG.put(tenantKey(tenant.id), JSON.stringify(tenant));
    forgetTenant(env.CONFIG, tenant.id);
  } catch (err) {
    await deleteTenantRow(env.DB, tenant.id).catch(() => undefined);
    throw err;
  }
}

/**
 * Replace `prev` by `next` (stamped with a fresh updatedAt, returned). KV cannot compare-and-set,
 * so the D1 row arbitrates: if another write landed since `prev` was read, 409 `conflict`
 * instead of silently dropping that write (e.g. two destinations PUT at once).
 */
export async function updateTenantConfig(env: Env, prev: TenantConfig, next: TenantConfig): Promise<TenantConfig> {
  const saved: TenantConfig = { ...next, updatedAt: nextTimestamp(prev.updatedAt) };
  if (!(await updateTenantRowIfUnchanged(env.DB, saved, prev.updatedAt))) {
    throw new ApiError(409, "conflict", "The tenant was changed or deleted by another request; read it again and retry");
  }
  try {
    await env.CONFIG.put(tenantKey(saved.id), JSON.stringify(saved));
    // After the write: a request that read the old value meanwhile must not keep it cached.
    forgetTenant(env.CONFIG, saved.id);
  } catch (err) {
    // Put the row back so the next writer, who will read the old KV value, is not refused forever.
    await updateTenantRowIfUnchanged(env.DB, prev, saved.updatedAt).catch(() => undefined);
    throw err;
  }
  return saved;
}

/** Now, but strictly after `previous`, so two writes never share an updatedAt (the D1 check relies on it). */
export function nextTimestamp(previous: string): string {
  const prevMs = Date.parse(previous);
  const now = clock.now();
  return new Date(Number.isFinite(prevMs) && now <= prevMs ? prevMs + 1 : now).toISOString();
}

/** Own entries only: ids like "constructor" must not find Object.prototype members. */
export function findSource(tenant: TenantConfig, sourceId: string): SourceConfig | undefined {
  return Object.hasOwn(tenant.sources, sourceId) ? tenant.sources[sourceId] : undefined;
}

export function findDestination(tenant: TenantConfig, destinationId: string): DestinationConfig | undefined {
  return Object.hasOwn(tenant.destinations, destinationId) ? tenant.destinations[destinationId] : undefined;
}

/** The source's signing secret in clear. 404 `source_not_found` for an unknown source. */
export async function decryptSourceSecret(env: Env, tenant: TenantConfig, sourceId: string): Promise<string> {
  return (await sourceSecret(env, tenant, sourceId)).secret;
}

/**
 * The source's signing secret in clear, with the verify key held beside it on this config object
 * (sources/shared/crypto.ts SourceKey), which only ever answers for the secret it was imported from.
 */
export async function sourceSecret(env: Env, tenant: TenantConfig, sourceId: string): Promise<{ secret: string; key: SourceKey }> {
  const source = findSource(tenant, sourceId);
  if (!source) throw new ApiError(404, "source_not_found", `No source "${sourceId}" for this tenant`);
  // Everything the decryption depends on (the ciphertext is bound to tenant and source by its AAD).
  // The type too: the held verify key (SourceKey) is read from the secret the way its scheme does.
  const inputs = `${tenant.id}\n${sourceId}\n${source.type}\n${source.secret}\n${env.ENCRYPTION_KEY}\n${env.ENCRYPTION_KEY_PREVIOUS ?? ""}`;
  const known = decryptedSecrets.get(source);
  if (known?.inputs === inputs) return { secret: known.secret, key: known.key };
  const secret = await decryptWithEnv(env, source.secret, secretAad(tenant.id, "source", sourceId));
  const key = new SourceKey();
  decryptedSecrets.set(source, { inputs, secret, key });
  return { secret, key };
}

/**
 * A source's secret in clear, held by the very config object that carries its ciphertext: AES-GCM
 * decryption on every webhook was a measured cost of the hot path (`npm run bench` profile). The
 * webhook route reuses one config object per tenant for a few seconds (tenant-cache.ts), so the
 * clear secret lives no longer than that copy of the config, in this isolate only, and belongs
 * to the one tenant and source whose object it hangs on. A changed tenant id, source id,
 * ciphertext or operator key decrypts again.
 */
const decryptedSecrets = new WeakMap<SourceConfig, { inputs: string; secret: string; key: SourceKey }>();

/** The source's API credentials in clear ({} when none are set). */
export async function decryptSourceCredentials(env: Env, tenant: TenantConfig, sourceId: string): Promise<Record<string, string>> {
  const source = findSource(tenant, sourceId);
  if (!source?.credentials) return {};
  return decryptCredentialFields(env, source.credentials, secretAad(tenant.id, "source-credentials", sourceId));
}

/** An encrypted JSON object of string fields, decrypted and checked. */
async function decryptCredentialFields(env: Env, value: string, aad: string): Promise<Record<string, string>> {
  const parsed: unknown = JSON.parse(await decryptWithEnv(env, value, aad));
  if (!parsed || typeof parsed !== "object" || Object.values(parsed).some((v) => typeof v !== "string")) {
    throw new DecryptError();
  }
  return parsed as Record<string, string>;
}

/**
 * The destination's credential fields in clear ({} when none are set).
 * 404 `destination_not_found` for an unknown destination.
 */
export async function decryptDestinationCredentials(
  env: Env,
  tenant: TenantConfig,
  destinationId: string,
): Promise<Record<string, string>> {
  const destination = findDestination(tenant, destinationId);
  if (!destination) throw new ApiError(404, "destination_not_found", `No destination "${destinationId}" for this tenant`);
  if (!destination.credentials) return {};
  return decryptCredentialFields(env, destination.credentials, secretAad(tenant.id, "destination", destinationId));
}
