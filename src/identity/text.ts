// \p{M} is kept alongside letters: NFD accents and the vowel signs of Indic and Thai scripts are
// combining marks, and stripping them would change the name rather than its punctuation.
const NOT_LETTER_MARK_OR_DIGIT = /[^\p{L}\p{M}\p{N}]/gu;

/**
 * Lowercase, letters and digits of any script only. NFC so that `Valéry` typed on a Mac (NFD)
 * hashes like `Valéry` typed anywhere else.
 */
export function lettersAndDigits(raw: string): string {
  return raw.toLowerCase().normalize("NFC").replace(NOT_LETTER_MARK_OR_DIGIT, "");
}
