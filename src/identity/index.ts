import { IDENTITY_FAMILIES, type IdentityFamily } from "../destinations/registry";
import type { CustomerData, HashedIdentity } from "../events/conversion";

export { hashField, isSha256Hex, sha256Hex } from "./hash";
export { hashMetaUserData, normalizeForMeta } from "./meta";
export { hashGoogleUserData, normalizeForGoogle } from "./google";
export { toE164 } from "./phone";
import type { HashMemo } from "./hash";
export { toCountryCode } from "./country";

/** A destination family with its own normalization rules (Meta, Google, …), named by its definitions. */
export type { IdentityFamily };

export interface HashIdentityOptions {
  /** The tenant's default region for phones, states and ZIPs given without a country. */
  defaultCountry?: string;
  /** Only these families are computed: hashing for a destination the tenant lacks is wasted work. */
  families: ReadonlySet<IdentityFamily>;
  /** The call's phone readings and digests, shared with the subject keys (identity/hash.ts). */
  memo?: HashMemo;
}

/** Hashed identifiers for the requested destination families; raw values stay in this call. */
export async function hashIdentity(customer: CustomerData, options: HashIdentityOptions): Promise<HashedIdentity> {
  const identity: HashedIdentity = {};
  await Promise.all([...options.families].map((family) => hashFamily(identity, family, customer, options.defaultCountry, options.memo)));
  return identity;
}

async function hashFamily<F extends IdentityFamily>(
  identity: HashedIdentity,
  family: F,
  customer: CustomerData,
  defaultCountry: string | undefined,
  memo: HashMemo | undefined,
): Promise<void> {
  // Every family comes with its hasher: the registry takes both from the same definition.
  identity[family] = await IDENTITY_FAMILIES[family].hash(customer, defaultCountry, memo);
}
