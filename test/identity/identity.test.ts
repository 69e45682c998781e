import { describe, expect, it } from "vitest";
import { hashIdentity } from "../../src/identity";
import { hashField, isSha256Hex, sha256Hex } from "../../src/identity/hash";

const JOHN_DOE = "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f";
const UK_PHONE = "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823";

describe("sha256Hex", () => {
  it("hashes UTF-8 to lowercase hex", async () => {
    expect(await sha256Hex("john.doe@example.com")).toBe(JOHN_DOE);
    expect(await sha256Hex("정")).toBe("8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14");
  });

  it("hashes the UTF-8 bytes when ASCII turns into something else part-way, and at the ASCII edge", async () => {
    // Digests from Node's createHash("sha256").update(s, "utf8").
    expect(await sha256Hex("josé@example.com")).toBe("b0a53cf19e34d05b57bced7365c6b00ddbe38d62957e863de2a66a56c3b42cea");
    expect(await sha256Hex("a\u007f")).toBe("c5791af439fe7995107aba250c140cfd948cb08812c78ade269703c4b82c35fa");
    expect(await sha256Hex("\u0080")).toBe("ea0add9a514e94de9abd0ba721eed15b15aa0b3a0f09ebee5e54a9dfae943153");
  });
});

describe("isSha256Hex", () => {
  it("accepts 64 hex chars in any case, trimmed", () => {
    expect(isSha256Hex(JOHN_DOE)).toBe(true);
    expect(isSha256Hex(` ${JOHN_DOE.toUpperCase()}\n`)).toBe(true);
  });

  it("rejects other lengths and non-hex", () => {
    expect(isSha256Hex(JOHN_DOE.slice(1))).toBe(false);
    expect(isSha256Hex(`${JOHN_DOE}0`)).toBe(false);
    expect(isSha256Hex(`g${JOHN_DOE.slice(1)}`)).toBe(false);
    expect(isSha256Hex("d41d8cd98f00b204e9800998ecf8427e")).toBe(false); // MD5 is not passed through
  });
});

describe("hashField", () => {
  const identity = (s: string): string => s;

  it("never hashes an empty normalized value", async () => {
    expect(await hashField("", identity)).toBeUndefined();
    expect(await hashField("x", () => "")).toBeUndefined();
    expect(await hashField("x", () => undefined)).toBeUndefined();
    expect(await hashField(undefined, identity)).toBeUndefined();
  });

  it("passes pre-hashed values through without calling the normalizer", async () => {
    let called = false;
    const result = await hashField(` ${JOHN_DOE.toUpperCase()} `, (s) => {
      called = true;
      return s;
    });
    expect(result).toBe(JOHN_DOE);
    expect(called).toBe(false);
  });
});

describe("hashIdentity", () => {
  it("computes the requested meta family with the tenant default country", async () => {
    const identity = await hashIdentity(
      { email: "  John.Doe@Example.COM ", phone: "020 7946 0958" },
      { defaultCountry: "GB", families: new Set(["meta"] as const) },
    );
    expect(identity).toEqual({ meta: { em: [JOHN_DOE], ph: [UK_PHONE] } });
  });

  it("computes nothing when no family is requested", async () => {
    const identity = await hashIdentity({ email: "john.doe@example.com" }, { families: new Set() });
    expect(identity).toEqual({});
  });
});
