import type { CustomerData, MetaHashedUserData } from "../../events/conversion";
import { customerRegion } from "../../identity/country";
import type { HashMemo } from "../../identity/hash";
import type { PhoneReadings } from "../../identity/phone";
import { hashUserDataFields, normalizeForMeta } from "../../identity/meta";
import type { IdentityFamilyDefinition } from "../definition";

/**
 * Pinterest `user_data` hashes: arrays of SHA-256 hex, as the API takes them, under the same keys
 * as Meta's (em, ph, external_id, fn, ln, ct, st, zp, country).
 */
export type PinterestHashedUserData = MetaHashedUserData;

/*
 * Pinterest's rules, field by field (ConversionEventsUserDataProperties in
 * https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml): em "lowercase version of
 * user's email"; ph "only digits with country code, area code, and number; remove any symbols,
 * letters, spaces and leading zeros"; fn/ln "in lowercase"; ct "in lowercase, and without spaces or
 * punctuation"; st "a two-letter code in lowercase"; zp "only digits"; country "two-character
 * ISO-3166 country code … in lowercase". Where Meta's rule is the same, Meta's normalizer is used.
 */
const normalize = {
  em: (raw: string) => normalizeForMeta.em(raw),
  /** `16505551212`: E.164 digits without `+` (Meta's form). */
  ph: (raw: string, country?: string, readings?: PhoneReadings) => normalizeForMeta.ph(raw, country, readings),
  external_id: (raw: string) => raw.trim() || undefined,
  fn: (raw: string) => raw.trim().toLowerCase().normalize("NFC") || undefined,
  ln: (raw: string) => raw.trim().toLowerCase().normalize("NFC") || undefined,
  ct: (raw: string) => normalizeForMeta.ct(raw),
  st: (raw: string, country?: string) => normalizeForMeta.st(raw, country),
  /** Digits only: a US ZIP+4 keeps its 5-digit ZIP; a code with letters (UK) is not sent. */
  zp: (raw: string, country?: string) => {
    const compact = raw.replace(/[\s-]/g, "");
    if (!/^\d+$/.test(compact)) return undefined;
    return country === "US" || (country === undefined && compact.length === 9) ? compact.slice(0, 5) : compact;
  },
  country: (raw: string) => normalizeForMeta.country(raw),
};

async function hashPinterestUserData(
  customer: CustomerData,
  defaultCountry: string | undefined,
  memo?: HashMemo,
): Promise<PinterestHashedUserData> {
  const region = customerRegion(customer.country, defaultCountry);
  return hashUserDataFields(
    [
      ["em", customer.email, normalize.em],
      ["ph", customer.phone, (raw) => normalize.ph(raw, region, memo?.phones)],
      ["external_id", customer.externalId, normalize.external_id],
      ["fn", customer.firstName, normalize.fn],
      ["ln", customer.lastName, normalize.ln],
      ["ct", customer.city, normalize.ct],
      ["st", customer.state, (raw) => normalize.st(raw, region)],
      ["zp", customer.zip, (raw) => normalize.zp(raw, region)],
      // Only the customer's own country, never the tenant's default (a guess about the customer).
      ["country", customer.country, normalize.country],
    ],
    memo,
  );
}

export const pinterestIdentity: IdentityFamilyDefinition<"pinterest", PinterestHashedUserData> = {
  family: "pinterest",
  normalize,
  hash: hashPinterestUserData,
};
