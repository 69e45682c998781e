import type { CustomerData, HashedIdentity } from "../events/conversion";
import { hashGoogleUserData } from "./google";
import { hashMetaUserData } from "./meta";

export { hashField, isSha256Hex, sha256Hex } from "./hash";
export { hashMetaUserData, normalizeForMeta } from "./meta";
export { hashGoogleUserData, normalizeForGoogle } from "./google";
export { toE164 } from "./phone";
export { toCountryCode } from "./country";

/** A destination family with its own normalization rules (Meta, Google). */
export type IdentityFamily = keyof HashedIdentity;

export interface HashIdentityOptions {
  /** The tenant's default region for phones, states and ZIPs given without a country. */
  defaultCountry?: string;
  /** Only these families are computed: hashing for a destination the tenant lacks is wasted work. */
  families: ReadonlySet<IdentityFamily>;
}

type FamilyHasher<F extends IdentityFamily> = (
  customer: CustomerData,
  defaultCountry: string | undefined,
) => Promise<NonNullable<HashedIdentity[F]>>;

// Adding a family to HashedIdentity makes this object fail to type-check until its hasher exists.
const HASHERS: { readonly [F in IdentityFamily]: FamilyHasher<F> } = {
  meta: hashMetaUserData,
  google: hashGoogleUserData,
};

/** Hashed identifiers for the requested destination families; raw values stay in this call. */
export async function hashIdentity(
  customer: CustomerData,
  options: HashIdentityOptions,
): Promise<HashedIdentity> {
  const identity: HashedIdentity = {};
  await Promise.all(
    [...options.families].map((family) =>
      hashFamily(identity, family, customer, options.defaultCountry),
    ),
  );
  return identity;
}

async function hashFamily<F extends IdentityFamily>(
  identity: HashedIdentity,
  family: F,
  customer: CustomerData,
  defaultCountry: string | undefined,
): Promise<void> {
  identity[family] = await HASHERS[family](customer, defaultCountry);
}
