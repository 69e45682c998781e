import { env } from "cloudflare:workers";
import { encryptSecret, type SecretKind, secretAad } from "../../src/config/crypto";
import { toBase64 } from "../../src/config/encoding";
import { forgetTenant } from "../../src/config/tenant-cache";
import { tenantKey } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";

/** A key the relay does not have: what ENCRYPTION_KEY replaced without ENCRYPTION_KEY_PREVIOUS leaves behind. */
const LOST_KEY = toBase64(new Uint8Array(32).fill(9));

/** `plain` sealed for its place (tenant, kind, id) under the lost key: well formed, and unreadable to the relay. */
export function sealedUnderLostKey(tenantId: string, kind: SecretKind, id: string, plain: string): Promise<string> {
  return encryptSecret(LOST_KEY, plain, secretAad(tenantId, kind, id));
}

/** The tenant's stored config, as KV holds it. */
export async function storedConfig(tenantId: string): Promise<TenantConfig> {
  return (await env.CONFIG.get<TenantConfig>(tenantKey(tenantId), "json"))!;
}

/** Writes the tenant's config straight to KV (what an operator's key change leaves there), past the isolate's cache. */
export async function putStoredConfig(config: TenantConfig): Promise<void> {
  await env.CONFIG.put(tenantKey(config.id), JSON.stringify(config));
  forgetTenant(env.CONFIG, config.id);
}
