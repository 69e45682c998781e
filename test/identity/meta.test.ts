import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/identity/hash";
import { hashMetaUserData, normalizeForMeta } from "../../src/identity/meta";
import { CUSTOMER_META_USER_DATA, SHA256 } from "../helpers/hash-vectors";
import { CUSTOMER } from "../helpers/relay";

// Full hashes of values normalized by Meta's documented rules
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters); rows with the
// same normalized value share a hash.
const H = {
  johnDoe: SHA256["john.doe@example.com"],
  johnSmith: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
  us16505551212: SHA256["16505551212"],
  gb442079460958: "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823",
  mary: SHA256.mary,
  valery: "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c",
  obriensmith: SHA256.obriensmith,
  sanfrancisco: SHA256.sanfrancisco,
  ca: SHA256.ca,
  ny: "1b06e2003f8420d6fa42badd8f77ec0f706b976b7a48b13c567dc5a559681683",
  zip94035: SHA256["94035"],
  sw1a1aa: "830e1d4b9838bab1f5c2acdb23e0b502ff13a9832c4632e8d67a1d43d3b7f614",
  us: SHA256.us,
  user123: SHA256["user-123"],
  f: "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111",
  // sha256("gb") computed with node:crypto.
  gb: "0b407281768f0e833afef47ed464b6571d01ca4d53c12ce5c51d1462f4ad6677",
} as const;

/** The hash Meta must never receive: it means an empty string was sent. */
const SHA256_OF_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("Meta normalization vectors through hashMetaUserData", () => {
  const rows: Array<{ name: string; customer: Parameters<typeof hashMetaUserData>[0]; expected: object }> = [
    { name: "em trimmed and lowercased", customer: { email: "  John.Doe@Example.COM " }, expected: { em: [H.johnDoe] } },
    { name: "em from Meta's doc", customer: { email: "John_Smith@gmail.com" }, expected: { em: [H.johnSmith] } },
    { name: "ph with +1", customer: { phone: "+1 (650) 555-1212" }, expected: { ph: [H.us16505551212] } },
    {
      name: "ph without CC, US customer",
      customer: { phone: "(650)555-1212", country: "US" },
      expected: { ph: [H.us16505551212], country: [H.us] },
    },
    { name: "ph +44", customer: { phone: "+44 20 7946 0958" }, expected: { ph: [H.gb442079460958] } },
    { name: "ph 0044 with no country anywhere", customer: { phone: "0044 20 7946 0958" }, expected: { ph: [H.gb442079460958] } },
    { name: "ph +44 with trunk (0)", customer: { phone: "+44 (0)20 7946 0958" }, expected: { ph: [H.gb442079460958] } },
    {
      name: "ph UK local, GB customer",
      customer: { phone: "020 7946 0958", country: "GB" },
      expected: { ph: [H.gb442079460958], country: [H.gb] },
    },
    { name: "fn trimmed", customer: { firstName: "  Mary " }, expected: { fn: [H.mary] } },
    { name: "fn with accent", customer: { firstName: "Valéry" }, expected: { fn: [H.valery] } },
    { name: "ln without punctuation", customer: { lastName: "O'Brien-Smith" }, expected: { ln: [H.obriensmith] } },
    { name: "ct without spaces", customer: { city: "San Francisco" }, expected: { ct: [H.sanfrancisco] } },
    { name: "st code", customer: { state: "CA" }, expected: { st: [H.ca] } },
    { name: "st name", customer: { state: "California" }, expected: { st: [H.ca] } },
    { name: "st two-word name", customer: { state: "New York" }, expected: { st: [H.ny] } },
    { name: "zp ZIP+4", customer: { zip: "94035-1234" }, expected: { zp: [H.zip94035] } },
    { name: "zp UK", customer: { zip: "SW1A 1AA" }, expected: { zp: [H.sw1a1aa] } },
    { name: "country", customer: { country: "US" }, expected: { country: [H.us] } },
    { name: "external_id", customer: { externalId: "User-123" }, expected: { external_id: [H.user123] } },
  ];

  for (const row of rows) {
    it(row.name, async () => {
      expect(await hashMetaUserData(row.customer)).toEqual(row.expected);
    });
  }

  it("ge Female hashes to the vector via the normalizer (not on CustomerData)", async () => {
    expect(normalizeForMeta.ge("Female")).toBe("f");
    expect(await sha256Hex("f")).toBe(H.f);
  });

  it("a full customer hashes every field at once", async () => {
    // The test CUSTOMER (e-mail padded and mixed-case, state by name, ZIP+4), with a padded first name and a bare phone.
    const userData = await hashMetaUserData({ ...CUSTOMER, phone: "(650)555-1212", firstName: "  Mary " });
    expect(userData).toEqual(CUSTOMER_META_USER_DATA);
  });
});

describe("hashMetaUserData field handling", () => {
  it("passes an upper-case pre-hashed value through lower-cased and not re-hashed", async () => {
    const userData = await hashMetaUserData({
      email: `  ${H.johnDoe.toUpperCase()} `,
      externalId: H.user123.toUpperCase(),
    });
    expect(userData).toEqual({ em: [H.johnDoe], external_id: [H.user123] });
  });

  it("drops an invalid email but keeps the other fields", async () => {
    const userData = await hashMetaUserData({ email: "not-an-email", firstName: "Mary", country: "US" });
    expect(userData).toEqual({ fn: [H.mary], country: [H.us] });
  });

  it("drops an unparseable phone but keeps the other fields", async () => {
    const userData = await hashMetaUserData({ phone: "call me maybe", email: "john.doe@example.com" }, "US");
    expect(userData).toEqual({ em: [H.johnDoe] });
  });

  it("drops a phone that is too short for its region", async () => {
    expect(await hashMetaUserData({ phone: "555-1212", country: "US" })).toEqual({ country: [H.us] });
  });

  it("drops a local phone when neither the customer nor the tenant gives a country", async () => {
    expect(await hashMetaUserData({ phone: "(650)555-1212" })).toEqual({});
    expect(await hashMetaUserData({ phone: "020 7946 0958" })).toEqual({});
  });

  it("reads a UK local phone with the tenant's defaultCountry GB", async () => {
    expect(await hashMetaUserData({ phone: "020 7946 0958" }, "GB")).toEqual({ ph: [H.gb442079460958] });
  });

  it("prefers the customer's country over the tenant default for reading a phone", async () => {
    expect(await hashMetaUserData({ phone: "(650)555-1212", country: "us" }, "GB")).toEqual({
      ph: [H.us16505551212],
      country: [H.us],
    });
  });

  it("falls back to the tenant default when the customer's country is a name, and drops that name", async () => {
    expect(await hashMetaUserData({ phone: "020 7946 0958", country: "United Kingdom" }, "GB")).toEqual({
      ph: [H.gb442079460958],
    });
  });

  it("does not invent the country field from defaultCountry", async () => {
    expect(await hashMetaUserData({ firstName: "Mary" }, "US")).toEqual({ fn: [H.mary] });
  });

  it("never sends sha256('') for empty or punctuation-only values", async () => {
    const userData = await hashMetaUserData(
      {
        email: "",
        phone: "   ",
        firstName: " ",
        lastName: "'-",
        city: "\t",
        state: " . ",
        zip: " - ",
        country: "",
        externalId: "   ",
      },
      "US",
    );
    expect(userData).toEqual({});
    expect(JSON.stringify(userData)).not.toContain(SHA256_OF_EMPTY);
  });

  it("omits absent fields entirely", async () => {
    const userData = await hashMetaUserData({ email: "john.doe@example.com" });
    expect(Object.keys(userData)).toEqual(["em"]);
  });
});

describe("normalizeForMeta", () => {
  it("em: trims, lowercases and requires an address shape", () => {
    expect(normalizeForMeta.em("  John.Doe@Example.COM ")).toBe("john.doe@example.com");
    expect(normalizeForMeta.em("Jöhn@Exämple.de")).toBe("jöhn@exämple.de");
    for (const bad of ["", "john", "john@", "@example.com", "john@example", "jo hn@example.com", "a@@b.com", "a@b..com"]) {
      expect(normalizeForMeta.em(bad), bad).toBeUndefined();
    }
  });

  it("ph: E.164 digits without +, reading local numbers in the given country", () => {
    expect(normalizeForMeta.ph("+1 (650) 555-1212")).toBe("16505551212");
    expect(normalizeForMeta.ph("(650)555-1212", "US")).toBe("16505551212");
    expect(normalizeForMeta.ph("+44 (0)20 7946 0958")).toBe("442079460958");
    expect(normalizeForMeta.ph("020 7946 0958", "GB")).toBe("442079460958");
    expect(normalizeForMeta.ph("(650)555-1212")).toBeUndefined();
  });

  it("fn/ln: lowercase, punctuation and spaces removed, any script kept", () => {
    expect(normalizeForMeta.ln("O'Brien-Smith")).toBe("obriensmith");
    expect(normalizeForMeta.fn("Valéry")).toBe("valéry");
    expect(normalizeForMeta.fn("Vale\u0301ry")).toBe("valéry"); // NFD input composes to the NFC vector
    expect(normalizeForMeta.fn("정")).toBe("정");
    expect(normalizeForMeta.fn("Anne Marie")).toBe("annemarie");
    expect(normalizeForMeta.fn("J.R.")).toBe("jr");
    expect(normalizeForMeta.fn("José María")).toBe("josémaría");
    expect(normalizeForMeta.fn("Ελένη")).toBe("ελένη");
    expect(normalizeForMeta.fn("राहुल")).toBe("राहुल"); // vowel signs are combining marks
    expect(normalizeForMeta.fn(" '- ")).toBeUndefined();
  });

  it("ct: lowercase letters and digits only", () => {
    expect(normalizeForMeta.ct("San Francisco")).toBe("sanfrancisco");
    expect(normalizeForMeta.ct("Winston-Salem")).toBe("winstonsalem");
    expect(normalizeForMeta.ct("St. John's")).toBe("stjohns");
    expect(normalizeForMeta.ct("Zürich")).toBe("zürich");
    expect(normalizeForMeta.ct("  ")).toBeUndefined();
  });

  it("st: US names to 2-letter codes; codes and other regions cleaned", () => {
    expect(normalizeForMeta.st("California")).toBe("ca");
    expect(normalizeForMeta.st("new york", "US")).toBe("ny");
    expect(normalizeForMeta.st("District of Columbia")).toBe("dc");
    expect(normalizeForMeta.st("WEST VIRGINIA")).toBe("wv");
    expect(normalizeForMeta.st("CA")).toBe("ca");
    expect(normalizeForMeta.st("N.Y.")).toBe("ny");
    expect(normalizeForMeta.st("Ontario", "CA")).toBe("ontario");
    expect(normalizeForMeta.st("Île-de-France", "FR")).toBe("îledefrance");
    expect(normalizeForMeta.st("Georgia", "GE")).toBe("georgia"); // not mapped outside the US
    expect(normalizeForMeta.st("constructor")).toBe("constructor");
    expect(normalizeForMeta.st(" - ")).toBeUndefined();
  });

  it("zp: no spaces or dashes; US ZIPs cut to 5 digits", () => {
    expect(normalizeForMeta.zp("94035-1234")).toBe("94035");
    expect(normalizeForMeta.zp("94035-1234", "US")).toBe("94035");
    expect(normalizeForMeta.zp("940351234")).toBe("94035");
    expect(normalizeForMeta.zp("94035", "US")).toBe("94035");
    expect(normalizeForMeta.zp("9403", "US")).toBeUndefined();
    expect(normalizeForMeta.zp("SW1A 1AA")).toBe("sw1a1aa");
    expect(normalizeForMeta.zp("M1 1AE", "GB")).toBe("m11ae");
    expect(normalizeForMeta.zp("10115", "DE")).toBe("10115");
    expect(normalizeForMeta.zp("K1A 0B1", "CA")).toBe("k1a0b1");
    expect(normalizeForMeta.zp(" ")).toBeUndefined();
  });

  it("country: lowercase ISO alpha-2 only", () => {
    expect(normalizeForMeta.country("US")).toBe("us");
    expect(normalizeForMeta.country(" gb ")).toBe("gb");
    expect(normalizeForMeta.country("UK")).toBe("gb");
    expect(normalizeForMeta.country("United States")).toBeUndefined();
    expect(normalizeForMeta.country("USA")).toBeUndefined();
    expect(normalizeForMeta.country("ZZ")).toBeUndefined();
    expect(normalizeForMeta.country("EU")).toBeUndefined();
    expect(normalizeForMeta.country("")).toBeUndefined();
  });

  it("external_id: trimmed and lowercased", () => {
    expect(normalizeForMeta.external_id("  User-123 ")).toBe("user-123");
    expect(normalizeForMeta.external_id("0")).toBe("0");
    expect(normalizeForMeta.external_id("  ")).toBeUndefined();
  });

  it("ge: f or m only", () => {
    expect(normalizeForMeta.ge("Female")).toBe("f");
    expect(normalizeForMeta.ge("M")).toBe("m");
    expect(normalizeForMeta.ge("other")).toBeUndefined();
  });
});
