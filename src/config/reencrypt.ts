import { decryptSecret, encryptionKeyId, encryptSecret, keyIdOf, secretAad, type EncryptionKeys, type SecretKind } from "./crypto";
import type { Encrypted, TenantConfig } from "./types";

/**
 * Rewrites every secret of one tenant under the current ENCRYPTION_KEY: source secrets, source
 * credentials, destination credentials and beacon keys. A value already under the current key is
 * left alone, so running it twice (or resuming after a failure) rewrites nothing more. A value
 * neither key opens is reported by field name and left as it is.
 */

export interface SecretCounts {
  sourceSecrets: number;
  sourceCredentials: number;
  destinationCredentials: number;
  beaconKeys: number;
}

export interface TenantReencryption {
  next: TenantConfig;
  rewritten: SecretCounts;
  alreadyCurrent: SecretCounts;
  /** Field names (never values) whose value neither key decrypts. */
  unreadable: string[];
}

export function emptyCounts(): SecretCounts {
  return { sourceSecrets: 0, sourceCredentials: 0, destinationCredentials: 0, beaconKeys: 0 };
}

export function addCounts(into: SecretCounts, more: SecretCounts): void {
  for (const k of Object.keys(into) as Array<keyof SecretCounts>) into[k] += more[k];
}

export async function reencryptTenant(keys: EncryptionKeys, tenant: TenantConfig): Promise<TenantReencryption> {
  const currentId = await encryptionKeyId(keys.current);
  const rewritten = emptyCounts();
  const alreadyCurrent = emptyCounts();
  const unreadable: string[] = [];

  /** The value under the current key, or the same value if it already is (or cannot be read). */
  async function rewrite(value: Encrypted, kind: SecretKind, id: string, counter: keyof SecretCounts, field: string): Promise<Encrypted> {
    if (!value) return value;
    if (keyIdOf(value) === currentId) {
      alreadyCurrent[counter] += 1;
      return value;
    }
    const aad = secretAad(tenant.id, kind, id);
    let plain: string;
    try {
      plain = await decryptSecret(keys.current, value, aad, keys.previous);
    } catch {
      unreadable.push(field);
      return value;
    }
    rewritten[counter] += 1;
    return encryptSecret(keys.current, plain, aad);
  }

  const next: TenantConfig = structuredClone(tenant);
  for (const [id, source] of Object.entries(next.sources)) {
    source.secret = await rewrite(source.secret, "source", id, "sourceSecrets", `sources.${id}.secret`);
    if (source.credentials) {
      source.credentials = await rewrite(source.credentials, "source-credentials", id, "sourceCredentials", `sources.${id}.credentials`);
    }
  }
  for (const [id, destination] of Object.entries(next.destinations)) {
    if (destination.credentials) {
      destination.credentials = await rewrite(
        destination.credentials,
        "destination",
        id,
        "destinationCredentials",
        `destinations.${id}.credentials`,
      );
    }
  }
  for (const record of next.beaconKeys ?? []) {
    record.key = await rewrite(record.key, "beacon-key", record.id, "beaconKeys", `beaconKeys.${record.id}`);
  }
  return { next, rewritten, alreadyCurrent, unreadable };
}

export function total(counts: SecretCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
