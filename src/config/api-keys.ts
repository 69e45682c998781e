import { ID_PATTERN } from "./ids";
import { randomBytes, sha256Hex, toHex, utf8 } from "./encoding";

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

export async function verifyApiKey(apiKey: string, storedHash: string): Promise<boolean> {
  const presented = utf8(await hashApiKey(apiKey));
  const stored = utf8(storedHash);
  // timingSafeEqual needs equal lengths; a stored hash of another length is corrupt, not a match.
  if (presented.byteLength !== stored.byteLength) return false;
  return crypto.subtle.timingSafeEqual(presented, stored);
}
