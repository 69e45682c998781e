import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lettersAndDigits } from "../../src/identity/text";

/** The rule as written for every script: lowercase, NFC, keep letters, marks and digits. */
const byUnicodeRule = (raw: string) => raw.toLowerCase().normalize("NFC").replace(/[^\p{L}\p{M}\p{N}]/gu, "");

describe("lettersAndDigits", () => {
  it("answers every ASCII text as the Unicode rule does (the ASCII shortcut changes nothing)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 40 }), (raw) => {
        expect(lettersAndDigits(raw)).toBe(byUnicodeRule(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps the Unicode rule for other scripts", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (raw) => {
        expect(lettersAndDigits(raw)).toBe(byUnicodeRule(raw));
      }),
      { numRuns: 1000 },
    );
    expect(lettersAndDigits("O'Brien-Smith")).toBe("obriensmith");
    expect(lettersAndDigits("Vale\u0301ry")).toBe("val\u00e9ry");
    expect(lettersAndDigits("Zürich 8001")).toBe("zürich8001");
  });
});
