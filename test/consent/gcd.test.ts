import { describe, expect, it } from "vitest";
import { decideConsent } from "../../src/consent/decide";
import { decodeGcd, decodeGcdLetter, decodeGcs } from "../../src/consent/gcd";
import { normalizeConsent } from "../../src/consent/snapshot";
import { ADS, policy } from "./fixtures";

// Expected values follow the bit rule of Analytics Debugger's sGTM "Google Consent Parser" template
// (default = (i >> 2) & 3, update = i & 3; Google publishes no gcd spec),
// not the blog tables that publish `l` as "denied" or `q` as "denied then granted".
describe("gcd letters by the bit rule", () => {
  it.each([
    ["l", {}],
    ["p", { default: "denied" }],
    ["q", { default: "denied", update: "denied" }],
    ["r", { default: "denied", update: "granted" }],
    ["t", { default: "granted" }],
    ["u", { default: "granted", update: "denied" }],
    ["v", { default: "granted", update: "granted" }],
    ["m", { update: "denied" }],
    ["n", { update: "granted" }],
  ])("letter %s", (letter, expected) => {
    expect(decodeGcdLetter(letter)).toEqual(expected);
  });

  it("rejects letters whose fields carry the undefined value 0", () => {
    expect(decodeGcdLetter("0")).toBeNull(); // index 0: default 0, update 0
    expect(decodeGcdLetter("k")).toBeNull(); // index 20: update 0
    expect(decodeGcdLetter("*")).toBeNull();
  });
});

describe("gcd strings", () => {
  it("13r3r3r3r5: every signal denied by default and granted by update", () => {
    const levels = { default: "denied", update: "granted" };
    expect(decodeGcd("13r3r3r3r5")).toEqual({
      ad_storage: levels,
      analytics_storage: levels,
      ad_user_data: levels,
      ad_personalization: levels,
    });
  });

  it("11p1p1p1p5: every signal denied by default, no update", () => {
    const levels = { default: "denied" };
    expect(decodeGcd("11p1p1p1p5")).toEqual({
      ad_storage: levels,
      analytics_storage: levels,
      ad_user_data: levels,
      ad_personalization: levels,
    });
  });

  it("13t3t3t3t5: every signal granted by default only", () => {
    const levels = { default: "granted" };
    expect(decodeGcd("13t3t3t3t5")).toEqual({
      ad_storage: levels,
      analytics_storage: levels,
      ad_user_data: levels,
      ad_personalization: levels,
    });
  });

  it("reads positions 2, 4, 6, 8 as ad_storage, analytics_storage, ad_user_data, ad_personalization", () => {
    expect(decodeGcd("11v1l1m1t5")).toEqual({
      ad_storage: { default: "granted", update: "granted" },
      analytics_storage: {},
      ad_user_data: { update: "denied" },
      ad_personalization: { default: "granted" },
    });
  });

  it("ignores the undocumented digits and an optional suffix", () => {
    expect(decodeGcd("13r3r3r3r7l1")).toEqual(decodeGcd("11r1r1r1r5"));
  });

  it.each(["", "13r3r3r3r", "23r3r3r3r5", "13r3r3r3r5 ", "1xr3r3r3r5", "130303030305", "13r3r3r3*5"])("rejects malformed %j", (gcd) => {
    expect(decodeGcd(gcd)).toBeNull();
  });

  it("a malformed gcd is recorded as a problem and blocks Google with gcd_invalid", () => {
    const s = normalizeConsent({ gcd: "13x3r3r3r5", gcm: { ad_user_data: "granted" } }, { userRegion: "auto", now: 0 });
    expect(s.problems).toContain("gcd_invalid");
    expect(decideConsent({ gcd: "13x3r3r3r5", gcm: { ad_user_data: "granted" } }, ADS, policy())).toEqual({
      decision: "blocked",
      reason: "gcd_invalid",
    });
  });
});

describe("gcs", () => {
  it("reads G1xy as ad_storage and analytics_storage", () => {
    expect(decodeGcs("G111")).toEqual({ ad_storage: "granted", analytics_storage: "granted" });
    expect(decodeGcs("G100")).toEqual({ ad_storage: "denied", analytics_storage: "denied" });
    expect(decodeGcs("G110")).toEqual({ ad_storage: "granted", analytics_storage: "denied" });
    expect(decodeGcs("G1--")).toEqual({});
    expect(decodeGcs("G2111")).toBeNull();
    expect(decodeGcs("G11")).toBeNull();
  });

  it("never counts as ad_user_data, and a gcs grant is a default in the EEA", () => {
    const s = normalizeConsent({ gcs: "G111" }, { userRegion: "eea", now: 0 });
    expect(s.google).toMatchObject({ adStorage: "unknown", adUserData: "unknown", reason: "gcm_ad_user_data_missing" });
    expect(decideConsent({ gcs: "G111" }, ADS, policy())).toEqual({ decision: "blocked", reason: "gcm_ad_user_data_missing" });
    expect(decideConsent({ gcs: "G1x1" }, ADS, policy())).toEqual({ decision: "blocked", reason: "gcs_invalid" });
  });
});

describe("gcd letters outside the documented alphabet", () => {
  it.each(["L", "H", "7", "w", "_", "e"])("%j is invalid, never read through the bit masks as a state", (letter) => {
    // 'L' (index 47) would mask to default granted / update granted; '7' to update granted.
    expect(decodeGcdLetter(letter)).toBeNull();
    const gcd = `11${letter}1${letter}1${letter}1${letter}5`;
    expect(decideConsent({ gcd, meta: "granted" }, ADS, policy())).toEqual({ decision: "blocked", reason: "gcd_invalid" });
  });

  it.each(["l", "m", "n", "p", "q", "r", "t", "u", "v"])("documented letter %j still decodes", (letter) => {
    expect(decodeGcdLetter(letter)).not.toBeNull();
  });
});
