import type { IdentityFamilyDefinition } from "../destinations/definition";
import type { CustomerData, GoogleHashedUserData } from "../events/conversion";
import { customerRegion } from "./country";
import { type HashMemo, hashField } from "./hash";
import { type PhoneReadings, toE164 } from "./phone";

/*
 * Google normalization per the Data Manager formatting guide
 * (https://developers.google.com/data-manager/api/devguides/concepts/formatting,
 * confirmed for the Ads API in googleads/google-ads-java#898). It differs from Meta's on purpose:
 * phones keep the `+`, and gmail addresses lose their dots and `+tag`. Every normalizer is pure
 * and returns undefined for a value that should not be sent, never an empty string.
 */

// Same shape check as Meta's: one `@`, no whitespace, a dotted domain.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

// Only these domains ignore dots and `+tags`; elsewhere `jane.doe+news@` is a different mailbox.
const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

/** Trimmed, lowercased, whitespace removed; gmail dots and `+tag` stripped. */
function email(raw: string): string | undefined {
  const compact = raw.toLowerCase().replace(/\s+/gu, "");
  if (!EMAIL.test(compact)) return undefined;
  const at = compact.lastIndexOf("@");
  const domain = compact.slice(at + 1);
  let local = compact.slice(0, at);
  if (GMAIL_DOMAINS.has(domain)) local = (local.split("+")[0] ?? "").replaceAll(".", "");
  return local === "" ? undefined : `${local}@${domain}`;
}

/** E.164 with the `+`: `+16505551212`. `country` reads numbers written without a country code. */
function phone(raw: string, country?: string, readings?: PhoneReadings): string | undefined {
  return toE164(raw, country, readings);
}

// Titles and generational suffixes are not part of the name Google matches on ("Mrs.", "Jr.").
const NAME_PREFIXES = new Set(["mr", "mrs", "ms", "miss", "mx", "dr", "prof"]);
const NAME_SUFFIXES = new Set(["jr", "sr", "ii", "iii", "iv", "phd", "md"]);

/** Lowercase words without punctuation (letters, marks and digits of any script). */
function nameWords(raw: string): string[] {
  return raw
    .toLowerCase()
    .normalize("NFC")
    .replace(/[^\p{L}\p{M}\p{N}\s]/gu, "")
    .split(/\s+/u)
    .filter((w) => w !== "");
}

/** A prefix is only dropped when a name remains: someone may really be called "Dr". */
function givenName(raw: string): string | undefined {
  const words = nameWords(raw);
  while (words.length > 1 && NAME_PREFIXES.has(words[0]!)) words.shift();
  return words.length > 0 ? words.join(" ") : undefined;
}

function familyName(raw: string): string | undefined {
  const words = nameWords(raw);
  while (words.length > 1 && NAME_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.length > 0 ? words.join(" ") : undefined;
}

/** Per-field Google normalizers. `country` is an upper-case ISO alpha-2 code. */
export const normalizeForGoogle = { email, phone, givenName, familyName } as const;

/**
 * Google identifiers for one customer: each field passes through when already SHA-256 hex, is
 * dropped when invalid, or is normalized and hashed. Only email and phone are produced, the two
 * identifiers a click conversion accepts; names are not hashed because nothing sends them (a Data
 * Manager address also needs the raw postal code, which the relay never stores).
 */
export async function hashGoogleUserData(customer: CustomerData, defaultCountry?: string, memo?: HashMemo): Promise<GoogleHashedUserData> {
  const region = customerRegion(customer.country, defaultCountry);
  const [hashedEmail, hashedPhoneNumber] = await Promise.all([
    hashField(customer.email, email, memo),
    hashField(customer.phone, (raw) => phone(raw, region, memo?.phones), memo),
  ]);
  const userData: GoogleHashedUserData = {};
  if (hashedEmail !== undefined) userData.hashedEmail = hashedEmail;
  if (hashedPhoneNumber !== undefined) userData.hashedPhoneNumber = hashedPhoneNumber;
  return userData;
}

/** Google's identity family (Google Ads and the Data Manager API share it). */
export const googleIdentity: IdentityFamilyDefinition<"google", GoogleHashedUserData> = {
  family: "google",
  normalize: normalizeForGoogle,
  hash: hashGoogleUserData,
};
