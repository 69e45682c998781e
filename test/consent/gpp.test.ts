import { describe, expect, it } from "vitest";
import { decideConsent } from "../../src/consent/decide";
import { GppModel, HeaderV1 } from "@iabgpp/cmpapi";
import { decodeGpp } from "../../src/consent/gpp";
import { normalizeConsent } from "../../src/consent/snapshot";
import { ADS, META, gppString, policy } from "./fixtures";

const granted = { gcm: { ad_user_data: "granted" as const }, meta: "granted" as const };
const notOptedOut = { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 };

// These tests run inside workerd, which has no `window`: GppModel (not CmpApi) decodes there.
describe("GPP usnat (section 7) opt-outs", () => {
  it("decodes a usnat sample string (DBABLA~CFQVAAAAAABA.QA: all three opted out)", () => {
    expect(decodeGpp("DBABLA~CFQVAAAAAABA.QA")).toEqual({
      valid: true,
      sectionIds: [7],
      us: { saleOptOut: true, sharingOptOut: true, targetedAdsOptOut: true, gpc: false },
    });
  });

  it.each([
    ["SaleOptOut", "saleOptOut"],
    ["SharingOptOut", "sharingOptOut"],
    ["TargetedAdvertisingOptOut", "targetedAdsOptOut"],
  ])("%s = 1 blocks Google and Meta with us_opt_out", (field, key) => {
    const gpp = gppString("usnat", { ...notOptedOut, [field]: 1 });
    expect(decodeGpp(gpp).us).toMatchObject({ [key]: true });
    const input = { ...granted, gpp: { gppString: gpp, applicableSections: [7] } };
    expect(decideConsent(input, ADS, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent(input, META, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });

  it("no opt-out lets the other signals decide, and names the jurisdiction US", () => {
    const gpp = gppString("usnat", notOptedOut);
    const input = { ...granted, gpp: { gppString: gpp, applicableSections: [7] } };
    expect(normalizeConsent(input, { userRegion: "auto", now: 0 })).toMatchObject({
      jurisdiction: "US",
      us: { saleOptOut: false, sharingOptOut: false, targetedAdsOptOut: false },
    });
    expect(decideConsent(input, ADS, policy())).toEqual({ decision: "send", reason: "gcm_ad_user_data_granted" });
    expect(decideConsent(input, META, policy())).toEqual({ decision: "send", reason: "meta_granted" });
  });

  it("the GPC flag inside the usnat section is an opt-out", () => {
    const gpp = gppString("usnat", { ...notOptedOut, GpcSegmentIncluded: true, Gpc: true });
    expect(decodeGpp(gpp).us.gpc).toBe(true);
    expect(decideConsent({ ...granted, gpp: { gppString: gpp } }, ADS, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });

  it("state sections (usca) and the older uspv1 string are read too", () => {
    const usca = gppString("usca", { SaleOptOut: 1, SharingOptOut: 2 });
    expect(decodeGpp(usca)).toMatchObject({ sectionIds: [8], us: { saleOptOut: true, sharingOptOut: false } });
    const uspv1 = gppString("uspv1", { Notice: "Y", OptOutSale: "Y", LspaCovered: "N" });
    expect(decodeGpp(uspv1)).toMatchObject({ sectionIds: [6], us: { saleOptOut: true } });
    expect(decideConsent({ ...granted, gpp: { gppString: uspv1 } }, META, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });

  it("an unreadable GPP string is gpp_invalid for every destination, never an exception", () => {
    for (const gppStr of ["garbage", "DBABLA~", "DBABLA~zzzz"]) {
      expect(decodeGpp(gppStr).valid).toBe(false);
      const input = { ...granted, gpp: { gppString: gppStr } };
      expect(decideConsent(input, ADS, policy())).toEqual({ decision: "blocked", reason: "gpp_invalid" });
      expect(decideConsent(input, META, policy())).toEqual({ decision: "blocked", reason: "gpp_invalid" });
    }
  });

  it("a TC string carried as GPP section 2 is judged like a tcf input (here: an outdated 2022 string)", () => {
    // "GPP String Example 2" of the IAB GPP Consent String Specification: tcfeuv2 (TCF policy
    // version 2, created 2022) + uspv1 `1YNN`.
    const gpp = "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN";
    const s = normalizeConsent({ gpp: { gppString: gpp, applicableSections: [2] } }, { userRegion: "auto", now: 0 });
    expect(s).toMatchObject({ jurisdiction: "EEA_UK_CH", tcf: { valid: false, invalidReason: "tcf_policy_outdated" } });
    expect(decideConsent({ gpp: { gppString: gpp, applicableSections: [2] } }, ADS, policy())).toEqual({
      decision: "blocked",
      reason: "tcf_policy_outdated",
    });
  });
});

describe("Global Privacy Control", () => {
  it("gpc: true in the consent input blocks both", () => {
    expect(decideConsent({ ...granted, gpc: true }, ADS, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent({ ...granted, gpc: true }, META, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });

  it("the Sec-GPC: 1 header blocks both, and alone counts as a signal", () => {
    expect(decideConsent(granted, ADS, policy(), { gpcHeader: true })).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent(granted, META, policy(), { gpcHeader: true })).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent(undefined, META, policy(), { gpcHeader: true })).toEqual({ decision: "blocked", reason: "us_opt_out" });
    const s = normalizeConsent(granted, { userRegion: "auto", now: 0, gpcHeader: true });
    expect(s.us).toEqual({ gpc: true });
    expect(s.sources).toContain("gpc");
  });

  it("the header also applies to a stored snapshot", () => {
    const s = normalizeConsent(granted, { userRegion: "auto", now: 0 });
    expect(decideConsent(s, META, policy())).toEqual({ decision: "send", reason: "meta_granted" });
    expect(decideConsent(s, META, policy(), { gpcHeader: true })).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });
});

describe("GPP sections the decoder does not know, and applicableSections [-1]", () => {
  // A header listing usnat (7) and a section id no decoder version knows (30), built with the
  // library's own header encoder; the unknown section's text is opaque.
  const withUnknown = (usnatFields: Record<string, unknown>) => {
    const usnat = gppString("usnat", usnatFields).split("~")[1];
    const header = new HeaderV1();
    header.setFieldValue("SectionIds", [7, 30]);
    return `${header.encode()}~${usnat}~BAAAAAA`;
  };

  it("an unknown section blocks where US rules may apply (it could hold an opt-out)", () => {
    const gpp = withUnknown(notOptedOut);
    expect(decodeGpp(gpp)).toMatchObject({ valid: true, sectionIds: [7], unknownSectionIds: [30] });
    const input = { ...granted, gpp: { gppString: gpp, applicableSections: [7] } };
    expect(decideConsent(input, ADS, policy())).toEqual({ decision: "blocked", reason: "gpp_section_unknown" });
    expect(decideConsent(input, META, policy())).toEqual({ decision: "blocked", reason: "gpp_section_unknown" });
    expect(decideConsent(input, META, policy({ userRegion: "us" }))).toEqual({ decision: "blocked", reason: "gpp_section_unknown" });
    // Not where the tenant places its users in the EEA or outside the US.
    expect(decideConsent(input, META, policy({ userRegion: "eea" }))).toEqual({ decision: "send", reason: "meta_granted" });
    expect(decideConsent(input, META, policy({ userRegion: "other" }))).toEqual({ decision: "send", reason: "meta_granted" });
  });

  it("[-1] means no section applies: a carried TC string does not apply and names no jurisdiction", () => {
    // IAB GPP CMP API, applicableSections:
    // https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Core/CMP%20API%20Specification.md
    const model = new GppModel();
    model.setFieldValue("usnat", "SaleOptOut", 2);
    const usnatOnly = model.encode();
    const s = normalizeConsent({ gpp: { gppString: usnatOnly, applicableSections: [-1] } }, { userRegion: "auto", now: 0 });
    expect(s.jurisdiction).toBe("UNKNOWN");
    // So a page default grant does not count, even for a tenant that counts defaults in the US.
    const input = { gcmDefault: { ad_user_data: "granted" as const }, gpp: { gppString: usnatOnly, applicableSections: [-1] } };
    expect(decideConsent(input, ADS, policy({ defaultsCountOutsideEea: true }))).toEqual({
      decision: "blocked",
      reason: "gcm_default_only",
    });
    expect(decideConsent({ ...input, gpp: { gppString: usnatOnly } }, ADS, policy({ defaultsCountOutsideEea: true }))).toEqual({
      decision: "send",
      reason: "gcm_ad_user_data_default_granted",
    });
  });
});
