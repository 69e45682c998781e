import type { IdentityFamilyDefinition } from "../destinations/definition";
import type { CustomerData, MetaHashedUserData } from "../events/conversion";
import { customerRegion, toCountryCode } from "./country";
import { type HashMemo, hashField } from "./hash";
import { type PhoneReadings, toE164 } from "./phone";
import { lettersAndDigits } from "./text";
import { usStateCode } from "./us-states";

/*
 * Meta user_data normalization per Meta's documented rules
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters), which differ
 * from Meta's own Node SDK (facebook-nodejs-business-sdk) in names, phones and states. Every normalizer is pure and
 * returns undefined for a value that should not be sent, never an empty string.
 */

// One `@`, no whitespace, a dotted domain. Deliberately loose beyond that: a stricter check
// (the SDK's) throws on Unicode addresses that Meta can still match.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

function nonEmpty(s: string): string | undefined {
  return s === "" ? undefined : s;
}

function em(raw: string): string | undefined {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
}

/** Digits with the country code and no `+`: `16505551212`. `country` reads local numbers. */
function ph(raw: string, country?: string, readings?: PhoneReadings): string | undefined {
  return toE164(raw, country, readings)?.slice(1);
}

/** Names and cities: Meta's "no punctuation" takes apostrophes, hyphens and spaces too. */
function lettersOnlyField(raw: string): string | undefined {
  return nonEmpty(lettersAndDigits(raw));
}

/** US (or unknown country): full state names become the 2-letter code. Elsewhere: cleaned as is. */
function st(raw: string, country?: string): string | undefined {
  const cleaned = lettersAndDigits(raw);
  if (cleaned === "") return undefined;
  const mayBeUs = country === undefined || country === "US";
  return (mayBeUs ? usStateCode(cleaned)?.toLowerCase() : undefined) ?? cleaned;
}

/**
 * Lowercase without spaces or dashes. US ZIPs keep the first 5 digits (ZIP+4 dropped); a US ZIP
 * without them is not one. With no country known, 9 bare digits can only be a ZIP+4. Other
 * countries' codes are kept whole, matching the test vector `SW1A 1AA` → `sw1a1aa`.
 */
function zp(raw: string, country?: string): string | undefined {
  const cleaned = lettersAndDigits(raw);
  if (cleaned === "") return undefined;
  if (country === "US") return /^\d{5}/.exec(cleaned)?.[0];
  if (country === undefined && /^\d{9}$/.test(cleaned)) return cleaned.slice(0, 5);
  return cleaned;
}

function country(raw: string): string | undefined {
  return toCountryCode(raw)?.toLowerCase();
}

// Lowercased like the test vector (`User-123` → `user-123`); the Pixel must send the same form.
function externalId(raw: string): string | undefined {
  return nonEmpty(raw.trim().toLowerCase());
}

// Not on CustomerData yet; kept so the `ge` test vector is covered when a source supplies it.
function ge(raw: string): string | undefined {
  const cleaned = lettersAndDigits(raw);
  if (cleaned === "f" || cleaned === "female") return "f";
  if (cleaned === "m" || cleaned === "male") return "m";
  return undefined;
}

/** Per-field Meta normalizers. `country` arguments are upper-case ISO alpha-2 codes. */
export const normalizeForMeta = {
  em,
  ph,
  fn: lettersOnlyField,
  ln: lettersOnlyField,
  ct: lettersOnlyField,
  st,
  zp,
  country,
  external_id: externalId,
  ge,
} as const;

/**
 * Meta `user_data` hashes for one customer. Each field independently passes through when already
 * SHA-256 hex, is dropped when invalid, or is normalized and hashed; one bad field never costs
 * the others. `defaultCountry` is the tenant's, used only to read local phones, states and ZIPs.
 */
export async function hashMetaUserData(customer: CustomerData, defaultCountry?: string, memo?: HashMemo): Promise<MetaHashedUserData> {
  const region = customerRegion(customer.country, defaultCountry);
  return hashUserDataFields(
    [
      ["em", customer.email, em],
      ["ph", customer.phone, (raw) => ph(raw, region, memo?.phones)],
      ["fn", customer.firstName, lettersOnlyField],
      ["ln", customer.lastName, lettersOnlyField],
      ["ct", customer.city, lettersOnlyField],
      ["st", customer.state, (raw) => st(raw, region)],
      ["zp", customer.zip, (raw) => zp(raw, region)],
      // Only the customer's own country: the tenant default is a guess for reading local numbers,
      // and sending it as `country` would tell Meta something about the customer we do not know.
      ["country", customer.country, country],
      ["external_id", customer.externalId, externalId],
    ],
    memo,
  );
}

/** A user-data field: its key, the raw value and the normalizer that prepares it for hashing. */
export type UserDataField = readonly [keyof MetaHashedUserData, string | undefined, (raw: string) => string | undefined];

/**
 * Meta-shaped user data (`{ em: [hash], … }`, which Pinterest takes too): each field hashed on its
 * own (hashField), a field without a hash left out.
 */
export async function hashUserDataFields(fields: ReadonlyArray<UserDataField>, memo?: HashMemo): Promise<MetaHashedUserData> {
  const hashed = await Promise.all(fields.map(([, raw, normalize]) => hashField(raw, normalize, memo)));
  const userData: MetaHashedUserData = {};
  fields.forEach(([key], i) => {
    const hash = hashed[i];
    if (hash !== undefined) userData[key] = [hash];
  });
  return userData;
}

/** Meta's identity family: its normalizers and hasher. */
export const metaIdentity: IdentityFamilyDefinition<"meta", MetaHashedUserData> = {
  family: "meta",
  normalize: normalizeForMeta,
  hash: hashMetaUserData,
};
