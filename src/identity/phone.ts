// The "min" metadata: enough to parse and length-check every region (this layer bundles to
// ~32 kB gzipped). "max" (~53 kB) adds the per-type patterns that only `isValid()`/`getType()`
// use, and `isValid()` is deliberately not used (see toE164).
import { type CountryCode, isSupportedCountry, type MetadataJson, parsePhoneNumberFromString } from "libphonenumber-js/core";
import minMetadata from "libphonenumber-js/min/metadata";

/**
 * The "min" metadata with each calling code naming only its main country (listed first by
 * libphonenumber: US for +1, GB for +44, RU for +7). Where countries share a calling code, the
 * library otherwise works out which one a number belongs to by trying each one's number-type
 * patterns in turn (all 25 NANP countries for a +1 number), and that search was most of a phone
 * parse in the ingest profile (`npm run bench`). Sluice keeps only the E.164 form, which is the
 * calling code and the national number whichever country it is, and `isPossible()`, which then
 * checks the lengths of the main country: the same for every NANP country, and the wider list
 * elsewhere (GB's takes Jersey's and Guernsey's 10 digits). Built once per isolate from the
 * library's own static data; no number or tenant value is in it.
 */
const E164_METADATA: MetadataJson = {
  ...minMetadata,
  country_calling_codes: Object.fromEntries(
    Object.entries(minMetadata.country_calling_codes).map(([code, countries]) => [code, countries.slice(0, 1)]),
  ),
};

/**
 * E.164 (`+16505551212`) or undefined when the number cannot be read. `country` is the region a
 * number without a country code is read in: the customer's country, else the tenant's default;
 * without one such a number is dropped, since guessing would hash someone else's number.
 *
 * Acceptance is `isPossible()` (right length for the region), not `isValid()` (number in an
 * allocated range). The metadata is pinned with the dependency and goes stale as regulators open
 * new ranges, so `isValid()` would silently drop real customers' numbers; a possible-but-unallocated
 * number costs nothing beyond a hash that matches no one.
 */
export function toE164(raw: string, country?: string, readings?: PhoneReadings): string | undefined {
  if (!readings) return readE164(raw, country);
  const key = `${country ?? ""}\u0000${raw}`;
  if (readings.has(key)) return readings.get(key);
  const e164 = readE164(raw, country);
  readings.set(key, e164);
  return e164;
}

/**
 * The numbers one webhook's normalizers have read: every identity family and the subject keys
 * read the same phone, and libphonenumber's parse was the costliest normalizer on the ingest
 * path (`npm run bench` profile). Made for one call (toRelayEvent) and dropped with it.
 */
export type PhoneReadings = Map<string, string | undefined>;

function readE164(raw: string, country: string | undefined): string | undefined {
  const region = toRegion(country);
  for (const reading of readings(raw.trim())) {
    const parsed = parsePhoneNumberFromString(reading, region === undefined ? {} : { defaultCountry: region }, E164_METADATA);
    if (parsed?.isPossible()) return parsed.number;
  }
  return undefined;
}

function toRegion(country: string | undefined): CountryCode | undefined {
  const upper = country?.trim().toUpperCase();
  if (upper === undefined) return undefined;
  // The core entry's guard takes a CountryCode; any string is checked against the metadata here.
  const code = upper as CountryCode;
  return isSupportedCountry(code, E164_METADATA) ? code : undefined;
}

/**
 * The number as written, then with a leading `00` read as `+`. The library only honours `00` as
 * the exit code of the region it reads in, so `0044 …` fails with no region or from the US
 * (exit code 011). `00` is the ITU-recommended exit code and practically never starts a national
 * number; the second reading is only tried after the first fails, so a region's own exit code
 * (AU `0011`) still wins.
 */
function readings(trimmed: string): string[] {
  return trimmed.startsWith("00") ? [trimmed, `+${trimmed.slice(2)}`] : [trimmed];
}
