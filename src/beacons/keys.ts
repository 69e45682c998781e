import { decryptWithEnv, encryptSecret, secretAad } from "../config/crypto";
import { randomBytes, toBase64Url, toHex } from "../config/encoding";
import type { BeaconKeyRecord, TenantConfig } from "../config/types";

/** After a rotation the previous key keeps verifying this long, so tokens already minted still work. */
export const PREVIOUS_KEY_GRACE_MS = 24 * 60 * 60 * 1000;

/** How beacons are authenticated; a tenant stored before the setting existed is "signed". */
export function beaconAuthOf(tenant: TenantConfig): "signed" | "origin" {
  return tenant.beaconAuth ?? "signed";
}

/**
 * Retired keys kept verifying at once, at most. Each one is another HMAC a beacon with a bad token
 * costs, so a tenant rotating again and again cannot make every beacon try an unbounded list.
 */
export const MAX_RETIRED_KEYS = 3;

/**
 * A new beacon signing key, `bk_` + 256 random bits, encrypted under ENCRYPTION_KEY with an AAD
 * naming the tenant and the key's own id. The current key is retired: it keeps verifying for
 * PREVIOUS_KEY_GRACE_MS, as do keys retired earlier until their own grace ends, so two rotations
 * in one day do not cut short the pages that still carry the first key's tokens. Of those, the
 * MAX_RETIRED_KEYS most recently retired are kept; expired ones are dropped.
 */
export async function rotateBeaconKey(
  env: Env,
  tenant: TenantConfig,
  now: number,
): Promise<{ beaconKey: string; beaconKeys: BeaconKeyRecord[] }> {
  const beaconKey = `bk_${toBase64Url(randomBytes(32))}`;
  const id = toHex(randomBytes(8));
  const fresh: BeaconKeyRecord = {
    id,
    key: await encryptSecret(env.ENCRYPTION_KEY, beaconKey, secretAad(tenant.id, "beacon-key", id)),
    createdAt: new Date(now).toISOString(),
  };
  const live = liveKeys(tenant, now);
  const current = live.find((k) => k.retiresAt === undefined);
  const retiredNow = current ? [{ ...current, retiresAt: new Date(now + PREVIOUS_KEY_GRACE_MS).toISOString() }] : [];
  const retiredBefore = live.filter((k) => k.retiresAt !== undefined).sort((a, b) => Date.parse(b.retiresAt!) - Date.parse(a.retiresAt!));
  return { beaconKey, beaconKeys: [fresh, ...[...retiredNow, ...retiredBefore].slice(0, MAX_RETIRED_KEYS)] };
}

function liveKeys(tenant: TenantConfig, now: number): BeaconKeyRecord[] {
  return (tenant.beaconKeys ?? []).filter((k) => k.retiresAt === undefined || Date.parse(k.retiresAt) > now);
}

/** The keys that verify a join token now, in clear; an unreadable one verifies nothing. */
export async function activeBeaconKeys(env: Env, tenant: TenantConfig, now: number): Promise<string[]> {
  const keys = await Promise.all(
    liveKeys(tenant, now).map((k) => decryptWithEnv(env, k.key, secretAad(tenant.id, "beacon-key", k.id)).catch(() => undefined)),
  );
  return keys.filter((k): k is string => k !== undefined);
}
