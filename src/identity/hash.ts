const SHA256_HEX = /^[a-f0-9]{64}$/i;

import { sha256Hex } from "../config/encoding";
import type { PhoneReadings } from "./phone";

/** SHA-256 of the UTF-8 bytes, as lowercase hex (the form Meta and Google both expect). */
export { sha256Hex };

/** Trimmed first: a hash copied out of a CSV or form often carries stray whitespace. */
export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s.trim());
}

/**
 * Hash exactly once: a value the source already hashed passes through (lower-cased, as the
 * destinations compare hex case-sensitively); anything else is normalized, and a value the
 * normalizer rejects is dropped rather than hashed. Not an async function: the digest's own
 * promise is handed on, one promise per field instead of three (a webhook hashes a dozen).
 */
export function hashField(
  raw: string | undefined,
  normalize: (raw: string) => string | undefined,
  memo?: HashMemo,
): Promise<string | undefined> {
  if (raw === undefined) return Promise.resolve(undefined);
  if (isSha256Hex(raw)) return Promise.resolve(raw.trim().toLowerCase());
  const normalized = normalize(raw);
  // sha256("") = e3b0c442… matches nobody yet still counts as a sent identifier.
  if (normalized === undefined || normalized === "") return Promise.resolve(undefined);
  return digestOnce(normalized, memo);
}

/**
 * What one webhook's hashing has worked out so far: its phone readings (phone.ts) and the SHA-256
 * of each value it hashed. Meta's user data and the subject keys hash the same email, phone and
 * external id (one normalization, by design), and the digests were the largest part of reading a
 * webhook (`npm run bench`). Made for one call (toRelayEvent) and dropped with it: nothing in it
 * outlives the request or reaches another tenant.
 */
export interface HashMemo {
  phones: PhoneReadings;
  digests: Map<string, Promise<string>>;
}

export function newHashMemo(): HashMemo {
  return { phones: new Map(), digests: new Map() };
}

/** SHA-256 hex of `value`, computed once per memo. */
export function digestOnce(value: string, memo?: HashMemo): Promise<string> {
  if (!memo) return sha256Hex(value);
  let digest = memo.digests.get(value);
  if (!digest) {
    digest = sha256Hex(value);
    memo.digests.set(value, digest);
  }
  return digest;
}
