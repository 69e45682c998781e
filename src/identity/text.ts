// \p{M} is kept alongside letters: NFD accents and the vowel signs of Indic and Thai scripts are
// combining marks, and stripping them would change the name rather than its punctuation.
const NOT_LETTER_MARK_OR_DIGIT = /[^\p{L}\p{M}\p{N}]/gu;

/**
 * Lowercase, letters and digits of any script only. NFC so that `Valéry` typed on a Mac (NFD)
 * hashes like `Valéry` typed anywhere else.
 */
export function lettersAndDigits(raw: string): string {
  const lower = raw.toLowerCase();
  // ASCII (most names, cities, states and ZIPs) is its own NFC form, and its only letters, marks
  // and digits are a-z and 0-9: the same answer without Unicode normalization and a Unicode
  // property regex, which were a measured cost of hashing a webhook (`npm run bench` profile).
  if (ASCII.test(lower)) return lower.replace(NOT_ASCII_LETTER_OR_DIGIT, "");
  return lower.normalize("NFC").replace(NOT_LETTER_MARK_OR_DIGIT, "");
}

const ASCII = /^[\x00-\x7f]*$/;
const NOT_ASCII_LETTER_OR_DIGIT = /[^a-z0-9]/g;
