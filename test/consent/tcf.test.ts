import { describe, expect, it } from "vitest";
import { decideConsent } from "../../src/consent/decide";
import { normalizeConsent } from "../../src/consent/snapshot";
import { decodeTcf, hasDisclosedVendorsSegment } from "../../src/consent/tcf";
import { ADS, META, deniedFlag, policy, tcString } from "./fixtures";

const tcf = (tc: string, gdprApplies = true) => ({ tcf: { tcString: tc, gdprApplies } });

describe("TCF decoding (strings built with the library's encoder)", () => {
  it("all granted: valid, purposes 1/3/4/7, vendor 755 consent and LI, disclosed", () => {
    const d = decodeTcf(tcString(), true);
    expect(d).toMatchObject({
      valid: true,
      applies: true,
      version: 2,
      policyVersion: 5,
      disclosedVendorsSegment: true,
      p1: true,
      p3: true,
      p4: true,
      p7: true,
      p7LI: true,
      v755Consent: true,
      v755LI: true,
      v755Disclosed: true,
      restricted755: [],
      google: { adUserData: "granted", adPersonalization: "granted", adStorage: "granted", reason: "tcf_granted" },
    });
    expect(decideConsent(tcf(tcString()), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
  });

  it("purpose 7 refused (no consent, no legitimate interest)", () => {
    const tc = tcString({ purposes: [1, 3, 4, 9], purposesLI: [2, 10] });
    expect(decodeTcf(tc).google).toMatchObject({ adUserData: "denied", reason: "tcf_purpose_7_denied", explicitDenial: true });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_7_denied" });
    // A TCF refusal is an explicit denial, so the tenant's denied mode applies (row 9).
    expect(decideConsent(tcf(tc), ADS, deniedFlag())).toEqual({ decision: "send_denied_flag", reason: "tcf_purpose_7_denied" });
    expect(decideConsent({ ...tcf(tc), meta: "granted" }, META, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_7_denied" });
  });

  it("purpose 7 by legitimate interest is enough for Google but never for Meta", () => {
    const tc = tcString({ purposes: [1, 3, 4, 9] });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    expect(decideConsent({ ...tcf(tc), meta: "granted" }, META, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_7_denied" });
  });

  it("purpose 1 refused denies Google and Meta", () => {
    const tc = tcString({ purposes: [3, 4, 7, 9] });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_1_denied" });
    expect(decideConsent({ ...tcf(tc), meta: "granted" }, META, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_1_denied" });
  });

  it("vendor 755 refused (no consent, objected to LI)", () => {
    const tc = tcString({ vendorConsent: false, vendorLI: false });
    expect(decodeTcf(tc)).toMatchObject({
      v755Consent: false,
      v755LI: false,
      google: { reason: "tcf_vendor_755_no_consent", explicitDenial: true },
    });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_no_consent" });
    expect(decideConsent({ ...tcf(tc), meta: "granted" }, META, policy())).toEqual({ decision: "send", reason: "meta_granted" });
  });

  it("vendor 755 by legitimate interest alone grants nothing: Purpose 1 needs vendor consent", () => {
    // Corrects an earlier reading that let the vendor LI bit stand in for vendor consent. Purpose 1
    // is consent-only in TCF (https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/),
    // and Google requires "both purposes consent and vendor consent"
    // (https://developers.google.com/admob/android/privacy/ad-serving-modes). CMPs leave LI on when
    // a user switches Google off in the vendor list, so this is that user.
    const tc = tcString({ vendorConsent: false });
    expect(decodeTcf(tc).google).toMatchObject({
      adUserData: "denied",
      adPersonalization: "denied",
      adStorage: "denied",
      reason: "tcf_vendor_755_no_consent",
      explicitDenial: true,
    });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_no_consent" });
  });

  it("purpose 7 by consent stands when the user objected to legitimate interest", () => {
    // Google: purpose 7 by "consent or legitimate interest" (https://support.google.com/admanager/answer/9805023).
    const tc = tcString({ purposesLI: [2, 10] });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
  });

  it("purpose 7 by legitimate interest needs the vendor's LI too (the user may object to it)", () => {
    const objected = tcString({ purposes: [1, 3, 4, 9], vendorLI: false });
    expect(decideConsent(tcf(objected), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_no_consent" });
  });

  it("IsServiceSpecific = 0 (global scope, retired) is invalid for every destination", () => {
    // https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/ : global-scope
    // consent is no longer part of the framework, so such a string is not a compliant one.
    const tc = tcString({ isServiceSpecific: false });
    expect(decodeTcf(tc)).toMatchObject({ valid: false, invalidReason: "tcf_not_service_specific", serviceSpecific: false });
    const input = { ...tcf(tc), gcm: { ad_user_data: "granted" as const }, meta: "granted" as const };
    expect(decideConsent(input, ADS, deniedFlag())).toEqual({ decision: "blocked", reason: "tcf_not_service_specific" });
    expect(decideConsent(input, META, policy())).toEqual({ decision: "blocked", reason: "tcf_not_service_specific" });
  });

  it("Purpose One Treatment: a German publisher's string without Purpose 1 is read as Google reads it", () => {
    // Google's TCF error 1.2: "German publishers should ensure they are setting the PublisherCC and
    // PurposeOneTreatment fields correctly if they are not asking users for consent"
    // (https://support.google.com/admanager/answer/9999955).
    const de = tcString({ purposes: [7, 9], vendorConsent: false, purposeOneTreatment: true, publisherCC: "DE" });
    expect(decodeTcf(de)).toMatchObject({ valid: true, purposeOneTreatment: true, publisherCC: "DE" });
    expect(decideConsent(tcf(de), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    expect(decideConsent({ ...tcf(de), meta: "granted" }, META, policy())).toEqual({ decision: "send", reason: "meta_granted" });
    // Elsewhere the treatment does not waive Purpose 1.
    const fr = tcString({ purposes: [7, 9], purposeOneTreatment: true, publisherCC: "FR" });
    expect(decideConsent(tcf(fr), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_1_denied" });
    // Purpose 7 is still needed.
    const deNo7 = tcString({ purposes: [9], purposesLI: [2], purposeOneTreatment: true, publisherCC: "DE" });
    expect(decideConsent(tcf(deNo7), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_7_denied" });
  });

  it("two valid strings that disagree: the latest lastUpdated stands; equal timestamps conflict", () => {
    // A CMP replaces the stored string on every change, so the newer one is the user's current choice.
    const older = tcString({ purposes: [3, 4, 7], created: "2026-03-05T00:00:00Z" });
    const newer = tcString({ created: "2026-03-05T00:00:00Z", lastUpdated: "2026-03-07T00:00:00Z" });
    expect(decideConsent([tcf(older), tcf(newer)], ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    expect(decideConsent([tcf(newer), tcf(older)], ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    const newerDenial = tcString({ purposes: [3, 4, 7], created: "2026-03-05T00:00:00Z", lastUpdated: "2026-03-08T00:00:00Z" });
    expect(decideConsent([tcf(newer), tcf(newerDenial)], ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_purpose_1_denied" });
    expect(decideConsent([tcf(newer), { ...tcf(newerDenial), meta: "granted" }], META, policy())).toEqual({
      decision: "blocked",
      reason: "tcf_purpose_1_denied",
    });
    // Same day, different answers: no order, so a conflict, and it denies.
    const sameDay = tcString({ purposes: [3, 4, 7] });
    expect(decideConsent([tcf(tcString()), tcf(sameDay)], ADS, policy())).toEqual({ decision: "blocked", reason: "consent_conflict" });
    // Same day, same answer: no conflict.
    expect(decideConsent([tcf(tcString()), tcf(tcString({ purposes: [1, 3, 4, 7, 9, 10] }))], ADS, policy())).toEqual({
      decision: "send",
      reason: "tcf_granted",
    });
  });

  it("a TC string in the tcf field and one carried as GPP section 2 in the same input: the latest lastUpdated stands", () => {
    // Issue 9, item 4: "Strings that disagree: the one with the latest lastUpdated stands; equal
    // timestamps conflict → deny". A page may expose both the TCF API and the GPP API, whose
    // section 2 is the TC string (IAB GPP, EU TCF v2 section,
    // https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Sections/Section%20Information.md).
    // `DBABMA` is a GPP header listing section 2 only.
    const viaGpp = (tc: string) => ({ gppString: `DBABMA~${tc}`, applicableSections: [2] });
    const grant = tcString({ created: "2026-03-05T00:00:00Z" });
    const denial = tcString({ purposes: [3, 4, 7], created: "2026-03-05T00:00:00Z", lastUpdated: "2026-03-10T00:00:00Z" });
    const denied = { decision: "blocked", reason: "tcf_purpose_1_denied" };
    // The newer denial inside GPP stands over the older grant in tcf, as it does in separate inputs.
    expect(decideConsent([tcf(grant), { gpp: viaGpp(denial) }], ADS, policy())).toEqual(denied);
    expect(decideConsent({ ...tcf(grant), gpp: viaGpp(denial) }, ADS, policy())).toEqual(denied);
    expect(decideConsent({ ...tcf(grant), gpp: viaGpp(denial), meta: "granted" }, META, policy())).toEqual(denied);
    // And the other way round.
    expect(decideConsent({ ...tcf(denial), gpp: viaGpp(grant) }, ADS, policy())).toEqual(denied);
    const newerGrant = tcString({ created: "2026-03-05T00:00:00Z", lastUpdated: "2026-03-12T00:00:00Z" });
    expect(decideConsent({ ...tcf(denial), gpp: viaGpp(newerGrant) }, ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    // The same string in both places (the usual case) is one choice: no conflict.
    expect(decideConsent({ ...tcf(grant), gpp: viaGpp(grant) }, ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
    // Same day, different answers: a conflict, which denies.
    const sameDayDenial = tcString({ purposes: [3, 4, 7], created: "2026-03-05T00:00:00Z" });
    expect(decideConsent({ ...tcf(grant), gpp: viaGpp(sameDayDenial) }, ADS, policy())).toEqual({
      decision: "blocked",
      reason: "consent_conflict",
    });
    // The snapshot shows the string that stands.
    const s = normalizeConsent({ ...tcf(grant), gpp: viaGpp(denial) }, { userRegion: "auto", now: 0 });
    expect(s.tcf).toMatchObject({ valid: true, p1: false });
  });

  it("publisher restriction type 0 (not allowed) on 755 for purpose 7 blocks, even in denied mode", () => {
    const tc = tcString({ restrictions: [{ purposeId: 7, type: 0 }] });
    expect(decodeTcf(tc).restricted755).toEqual([{ purposeId: 7, type: 0 }]);
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_restricted" });
    expect(decideConsent(tcf(tc), ADS, deniedFlag())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_restricted" });
  });

  it("publisher restriction type 0 on purpose 1 blocks", () => {
    const tc = tcString({ restrictions: [{ purposeId: 1, type: 0 }] });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_restricted" });
  });

  it("restriction type 1 (require consent) on purpose 7 closes the legitimate-interest route only", () => {
    const requireConsent = [{ purposeId: 7, type: 1 as const }];
    // Purpose 7 consented and 755 consented: still fine.
    expect(decideConsent(tcf(tcString({ restrictions: requireConsent })), ADS, policy())).toEqual({
      decision: "send",
      reason: "tcf_granted",
    });
    // Purpose 7 only by LI: the restriction removes the basis.
    const liOnly = tcString({ purposes: [1, 3, 4, 9], restrictions: requireConsent });
    expect(decodeTcf(liOnly).restricted755).toEqual([{ purposeId: 7, type: 1 }]);
    expect(decideConsent(tcf(liOnly), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_restricted" });
  });

  it("old policy version (< 4) is outdated", () => {
    const tc = tcString({ policyVersion: 2, created: "2023-06-01T00:00:00Z", disclosedSegment: false });
    expect(decodeTcf(tc)).toMatchObject({ valid: false, invalidReason: "tcf_policy_outdated", policyVersion: 2 });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_policy_outdated" });
    expect(decideConsent({ ...tcf(tc), meta: "granted" }, META, policy())).toEqual({ decision: "blocked", reason: "tcf_policy_outdated" });
  });

  it("policy version 4 (TCF 2.2) is accepted", () => {
    const tc = tcString({ policyVersion: 4, created: "2025-06-01T00:00:00Z", disclosedSegment: false });
    expect(decodeTcf(tc)).toMatchObject({ valid: true, policyVersion: 4 });
  });

  it("created on/after 2026-03-01 needs a Disclosed Vendors segment", () => {
    const without = tcString({ created: "2026-03-01T00:00:00Z", disclosedSegment: false });
    const withIt = tcString({ created: "2026-03-01T00:00:00Z", disclosedSegment: true });
    expect(hasDisclosedVendorsSegment(without)).toBe(false);
    expect(hasDisclosedVendorsSegment(withIt)).toBe(true);
    expect(decodeTcf(without)).toMatchObject({ valid: false, invalidReason: "tcf_vendors_disclosed_missing" });
    expect(decideConsent(tcf(without), ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_vendors_disclosed_missing" });
    expect(decideConsent(tcf(withIt), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
  });

  it("created before 2026-03-01 without the segment is still valid", () => {
    const tc = tcString({ created: "2026-02-27T00:00:00Z", disclosedSegment: false });
    expect(decodeTcf(tc)).toMatchObject({ valid: true, disclosedVendorsSegment: false });
    expect(decideConsent(tcf(tc), ADS, policy())).toEqual({ decision: "send", reason: "tcf_granted" });
  });

  it("a Disclosed Vendors segment that leaves out 755 denies Google", () => {
    const tc = tcString({ disclosed: [1] });
    expect(decodeTcf(tc)).toMatchObject({ valid: true, v755Disclosed: false });
    expect(decideConsent(tcf(tc), ADS, deniedFlag())).toEqual({ decision: "blocked", reason: "tcf_vendor_755_not_disclosed" });
  });

  it.each(["garbage", "CO", "!!!", "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"])(
    "garbage %j is tcf_invalid for every destination, never an exception",
    (garbage) => {
      expect(decodeTcf(garbage)).toMatchObject({ valid: false, invalidReason: "tcf_invalid" });
      const input = { ...tcf(garbage), gcm: { ad_user_data: "granted" as const }, meta: "granted" as const };
      expect(decideConsent(input, ADS, policy())).toEqual({ decision: "blocked", reason: "tcf_invalid" });
      expect(decideConsent(input, META, policy())).toEqual({ decision: "blocked", reason: "tcf_invalid" });
    },
  );

  it("gdprApplies false: the string is recorded but does not apply", () => {
    const s = normalizeConsent(tcf(tcString({ purposes: [] }), false), { userRegion: "auto", now: 0 });
    expect(s.tcf).toMatchObject({ applies: false, gdprApplies: false });
    expect(s.jurisdiction).toBe("OTHER");
    expect(s.google.reason).toBe("gcm_ad_user_data_missing");
    expect(decideConsent({ ...tcf("garbage", false), gcm: { ad_user_data: "granted" } }, ADS, policy())).toEqual({
      decision: "send",
      reason: "gcm_ad_user_data_granted",
    });
  });
});
