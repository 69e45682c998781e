import { describe, expect, it } from "vitest";
import { hashIdentity } from "../../src/identity";
import { hashGoogleUserData, normalizeForGoogle } from "../../src/identity/google";
import { sha256Hex } from "../../src/identity/hash";

// Google's normalization (https://developers.google.com/data-manager/api/devguides/concepts/formatting),
// vectors computed: input, normalized, sha256 hex.
const EMAIL_VECTORS: Array<[string, string, string]> = [
  ["  John.Doe+Shop@GMail.com ", "johndoe@gmail.com", "06a240d11cc201676da976f7b49341181fd180da37cbe40a77432c0a366c80c3"],
  ["Jane.Doe+news@Example.com", "jane.doe+news@example.com", "dbf1912b4cad4df9823f627874244e64b50a6ac550b9cb33b17df671a26679db"],
  ["Test@gmail.com", "test@gmail.com", "87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674"],
  ["john.r.doe@googlemail.com", "johnrdoe@googlemail.com", "03a2d9782a99b614e38608f17d9b017fad52a53ed798ccc6a4fbb17461ac80ab"],
];
const PHONE_VECTORS: Array<[string, string | undefined, string, string]> = [
  ["6161729102", "US", "+16161729102", "76ff44c6428f2fc2750fec01cb3190423adaebb21e797d942f339f3c7c1761dd"],
  ["+1 (650) 555-1212", undefined, "+16505551212", "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8"],
  ["(800)555-0100", "US", "+18005550100", "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30"],
  ["+44 20 7946 0958", undefined, "+442079460958", "f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d"],
];
const MARY = "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec";

describe("Google normalization vectors", () => {
  it.each(EMAIL_VECTORS)("email %j → %s", async (input, normalized, hash) => {
    expect(normalizeForGoogle.email(input)).toBe(normalized);
    expect(await sha256Hex(normalized)).toBe(hash);
    expect((await hashGoogleUserData({ email: input })).hashedEmail).toBe(hash);
  });

  it.each(PHONE_VECTORS)("phone %j (default %s) → %s", async (input, country, normalized, hash) => {
    expect(normalizeForGoogle.phone(input, country)).toBe(normalized);
    expect((await hashGoogleUserData({ phone: input }, country)).hashedPhoneNumber).toBe(hash);
  });

  it("name Mary → mary", async () => {
    expect(normalizeForGoogle.givenName("Mary")).toBe("mary");
    expect(await sha256Hex(normalizeForGoogle.givenName("Mary")!)).toBe(MARY);
  });
});

describe("Google normalization rules", () => {
  it("strips dots and +tags only on gmail.com / googlemail.com", () => {
    expect(normalizeForGoogle.email("j.o.h.n+a+b@gmail.com")).toBe("john@gmail.com");
    expect(normalizeForGoogle.email("j.o.h.n+a@gmail.com.au")).toBe("j.o.h.n+a@gmail.com.au");
    expect(normalizeForGoogle.email("first.last+tag@outlook.com")).toBe("first.last+tag@outlook.com");
  });

  it("removes whitespace anywhere in an email", () => {
    expect(normalizeForGoogle.email(" jane doe@ example.com ")).toBe("janedoe@example.com");
  });

  it("drops what is not an email, including a gmail local part that strips to nothing", () => {
    for (const bad of ["", "nobody", "a@b", "@gmail.com", "+tag@gmail.com", "a@@b.com"]) {
      expect(normalizeForGoogle.email(bad), bad).toBeUndefined();
    }
  });

  it("reads phones in the customer's country, else the tenant default; drops unreadable ones", async () => {
    expect(normalizeForGoogle.phone("030 1234567", "DE")).toBe("+49301234567");
    expect(normalizeForGoogle.phone("6505551212")).toBeUndefined();
    expect(normalizeForGoogle.phone("12", "US")).toBeUndefined();
    expect((await hashGoogleUserData({ phone: "030 1234567", country: "DE" }, "US")).hashedPhoneNumber).toBe(
      await sha256Hex("+49301234567"),
    );
  });

  it("lowercases names without punctuation, titles or generational suffixes", () => {
    expect(normalizeForGoogle.givenName("  Mrs. Mary-Ann ")).toBe("maryann");
    expect(normalizeForGoogle.familyName("O'Brien-Smith Jr.")).toBe("obriensmith");
    expect(normalizeForGoogle.familyName("van der Berg")).toBe("van der berg");
    expect(normalizeForGoogle.givenName("Dr")).toBe("dr"); // a name, not only a title
    expect(normalizeForGoogle.givenName("Élodie")).toBe("élodie");
    expect(normalizeForGoogle.givenName(" .,- ")).toBeUndefined();
  });

  it("passes a 64-hex value through unhashed (lowercased) and drops invalid fields only", async () => {
    const prehashed = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
    expect(await hashGoogleUserData({ email: prehashed, phone: "not a phone" }, "US")).toEqual({
      hashedEmail: prehashed.toLowerCase(),
    });
    expect(await hashGoogleUserData({ email: "nope", phone: "+1 650 555 1212" })).toEqual({
      hashedPhoneNumber: PHONE_VECTORS[1]![3],
    });
    expect(await hashGoogleUserData({})).toEqual({});
  });

  it("keeps only what Google can use: no names, addresses or external ids are stored", async () => {
    const hashed = await hashGoogleUserData({
      email: "a@example.com",
      firstName: "Mary",
      lastName: "Doe",
      city: "Berlin",
      zip: "10115",
      country: "DE",
      externalId: "u1",
    });
    expect(Object.keys(hashed)).toEqual(["hashedEmail"]);
  });
});

describe("Meta and Google hash the same person differently where their rules differ", () => {
  it("phone: Meta without '+', Google with it (e323ec62… vs 1e231c66…)", async () => {
    const identity = await hashIdentity({ phone: "+1 (650) 555-1212" }, { families: new Set(["meta", "google"]) });
    expect(identity.meta?.ph).toEqual(["e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"]);
    expect(identity.google?.hashedPhoneNumber).toBe("1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8");
  });

  it("gmail: Meta keeps the dots, Google strips them", async () => {
    const identity = await hashIdentity({ email: "John.Doe@gmail.com" }, { families: new Set(["meta", "google"]) });
    expect(identity.meta?.em).toEqual([await sha256Hex("john.doe@gmail.com")]);
    expect(identity.google?.hashedEmail).toBe(await sha256Hex("johndoe@gmail.com"));
    expect(identity.meta?.em?.[0]).not.toBe(identity.google?.hashedEmail);
  });

  it("agree where the rules agree (a non-gmail address)", async () => {
    const identity = await hashIdentity({ email: " Jane@Example.com" }, { families: new Set(["meta", "google"]) });
    expect(identity.meta?.em?.[0]).toBe(identity.google?.hashedEmail);
  });

  it("computes only the requested families", async () => {
    const identity = await hashIdentity({ email: "a@example.com" }, { families: new Set(["google"]) });
    expect(Object.keys(identity)).toEqual(["google"]);
  });
});
