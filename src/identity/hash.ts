const SHA256_HEX = /^[a-f0-9]{64}$/i;

import { sha256Hex } from "../config/encoding";

/** SHA-256 of the UTF-8 bytes, as lowercase hex (the form Meta and Google both expect). */
export { sha256Hex };

/** Trimmed first: a hash copied out of a CSV or form often carries stray whitespace. */
export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s.trim());
}

/**
 * Hash exactly once: a value the source already hashed passes through (lower-cased, as the
 * destinations compare hex case-sensitively); anything else is normalized, and a value the
 * normalizer rejects is dropped rather than hashed.
 */
export async function hashField(raw: string | undefined, normalize: (raw: string) => string | undefined): Promise<string | undefined> {
  if (raw === undefined) return undefined;
  if (isSha256Hex(raw)) return raw.trim().toLowerCase();
  const normalized = normalize(raw);
  // sha256("") = e3b0c442… matches nobody yet still counts as a sent identifier.
  if (normalized === undefined || normalized === "") return undefined;
  return sha256Hex(normalized);
}
