import { ID_PATTERN } from "./ids";
import { randomBytes, sha256Hex, toHex, utf8 } from "./encoding";
import type { ApiKeyRecord, TenantConfig } from "./types";

/**
 * Tenant API keys: `sk_<tenantId>_<64 hex>`. The tenant id in the key lets auth find the one
 * stored hash to compare against; the 256 random bits make that hash safe to store unsalted.
 */

const KEY_PATTERN = new RegExp(`^sk_(${ID_PATTERN.source.slice(1, -1)})_([0-9a-f]{64})$`);

export interface NewApiKey {
  /** Shown once to the caller; never stored. */
  apiKey: string;
  apiKeyHash: string;
}

export async function generateApiKey(tenantId: string): Promise<NewApiKey> {
  const apiKey = `sk_${tenantId}_${toHex(randomBytes(32))}`;
  return { apiKey, apiKeyHash: await hashApiKey(apiKey) };
}

export function hashApiKey(apiKey: string): Promise<string> {
  return sha256Hex(apiKey);
}

/** The tenant id a well-formed key claims, or null. Claims only: verify with `verifyApiKey`. */
export function parseApiKey(token: string): string | null {
  return KEY_PATTERN.exec(token)?.[1] ?? null;
}

/** A tenant may hold two keys at once: the old one and its replacement, during a rotation. */
export const MAX_API_KEYS = 2;

/** The id of the key of a tenant stored before key ids existed. */
export const INITIAL_KEY_ID = "ak_initial";

export function newApiKeyId(): string {
  return `ak_${toHex(randomBytes(6))}`;
}

/** A fresh key with its record; the key is shown once and never stored. */
export async function newApiKeyRecord(tenantId: string, createdAt: string): Promise<{ apiKey: string; record: ApiKeyRecord }> {
  const { apiKey, apiKeyHash } = await generateApiKey(tenantId);
  return { apiKey, record: { id: newApiKeyId(), hash: apiKeyHash, createdAt } };
}

/** The tenant's keys; a tenant stored before `apiKeys` existed has its one key as `ak_initial`. */
export function apiKeyRecords(tenant: Pick<TenantConfig, "apiKeys" | "apiKeyHash" | "createdAt">): ApiKeyRecord[] {
  return tenant.apiKeys ?? [{ id: INITIAL_KEY_ID, hash: tenant.apiKeyHash, createdAt: tenant.createdAt }];
}

/** The two stored fields for a list of keys (`apiKeyHash` mirrors the first, for older readers). */
export function withApiKeys<T extends TenantConfig>(tenant: T, keys: ApiKeyRecord[]): T {
  return { ...tenant, apiKeys: keys, apiKeyHash: keys[0]!.hash };
}

/** Whether `apiKey` is one of the tenant's keys. Every stored hash is compared, so timing says nothing about which. */
export async function verifyTenantApiKey(
  apiKey: string,
  tenant: Pick<TenantConfig, "apiKeys" | "apiKeyHash" | "createdAt">,
): Promise<boolean> {
  const results = await Promise.all(apiKeyRecords(tenant).map((r) => verifyApiKey(apiKey, r.hash)));
  return results.includes(true);
}

export async function verifyApiKey(apiKey: string, storedHash: string): Promise<boolean> {
  const presented = utf8(await hashApiKey(apiKey));
  const stored = utf8(storedHash);
  // timingSafeEqual needs equal lengths; a stored hash of another length is corrupt, not a match.
  if (presented.byteLength !== stored.byteLength) return false;
  return crypto.subtle.timingSafeEqual(presented, stored);
}
