import { describe, expect, it } from "vitest";
import { BASIS_BY_REASON, decideWithBasis, verdictBasis } from "../../src/consent/basis";
import { normalizeConsent } from "../../src/consent/snapshot";
import type { ConsentInput } from "../../src/events/conversion";
import { ADS, META, deniedFlag, policy, tcString } from "./fixtures";

const snap = (input: ConsentInput | ConsentInput[] | undefined, userRegion: "auto" | "us" = "auto") =>
  normalizeConsent(input, { userRegion, now: 0, categoryMap: { marketing: ["meta"] } });
const p = policy({ categoryMap: { marketing: ["meta"] } });

describe("consent basis: what a verdict rests on, per destination", () => {
  it("granted, explicit user denial, or nothing decided yet", () => {
    const s = snap({ gcm: { ad_user_data: "granted" }, meta: "denied" });
    expect(decideWithBasis(s, ADS, p)).toEqual({ decision: "send", reason: "gcm_ad_user_data_granted", basis: "granted" });
    expect(decideWithBasis(s, META, p)).toEqual({ decision: "blocked", reason: "meta_denied", basis: "denied" });
    // Consent that covers Google and says nothing about Meta leaves Meta undecided (worth holding).
    expect(decideWithBasis(snap({ gcm: { ad_user_data: "granted" } }), META, p)).toMatchObject({ basis: "undecided" });
    expect(decideWithBasis(snap(undefined), ADS, p)).toMatchObject({ reason: "consent_missing", basis: "undecided" });
  });

  it("a page default is never the user's choice, whichever way it points", () => {
    // https://developers.google.com/tag-platform/security/guides/consent : the default is set
    // "before a user grants consent"; the user's choice arrives as an update.
    const defaultDenied = snap({ gcmDefault: { ad_user_data: "denied" } });
    expect(decideWithBasis(defaultDenied, ADS, p)).toEqual({
      decision: "blocked",
      reason: "gcm_ad_user_data_default_denied",
      basis: "undecided",
    });
    // Still blocks, and may still travel with the denied flag where the tenant elected it.
    expect(decideWithBasis(defaultDenied, ADS, deniedFlag())).toMatchObject({ decision: "send_denied_flag", basis: "undecided" });
    expect(decideWithBasis(snap({ gcd: "11t1t1t1t5" }), ADS, p)).toMatchObject({ reason: "gcm_default_only", basis: "undecided" });
    const updateDenied = snap({ gcmDefault: { ad_user_data: "granted" }, gcm: { ad_user_data: "denied" } });
    expect(decideWithBasis(updateDenied, ADS, deniedFlag())).toEqual({
      decision: "send_denied_flag",
      reason: "gcm_ad_user_data_denied",
      basis: "denied",
    });
  });

  it("TCF refusals are denials; publisher restrictions are not the user's", () => {
    expect(decideWithBasis(snap({ tcf: { tcString: tcString({ purposes: [3, 4, 7] }) } }), ADS, p)).toMatchObject({ basis: "denied" });
    const restricted = snap({ tcf: { tcString: tcString({ restrictions: [{ purposeId: 7, type: 0 }] }) } });
    expect(decideWithBasis(restricted, ADS, p)).toMatchObject({ reason: "tcf_vendor_755_restricted", basis: "restricted" });
  });

  it("opt-outs, withdrawals and contradictions are denials; unreadable signals are malformed", () => {
    expect(decideWithBasis(snap({ meta: "granted", gpc: true }), META, p)).toMatchObject({ basis: "denied" });
    expect(decideWithBasis(snap([{ meta: "granted" }, { meta: "denied" }]), META, p)).toMatchObject({
      reason: "consent_conflict",
      basis: "denied",
    });
    expect(decideWithBasis(snap({ meta: "granted", categories: { marketing: false } }), META, p)).toMatchObject({ basis: "denied" });
    expect(decideWithBasis(snap({ tcf: { tcString: "garbage" }, meta: "granted" }), META, p)).toMatchObject({
      reason: "tcf_invalid",
      basis: "malformed",
    });
    expect(decideWithBasis(snap({ gcd: "1xyz" }), ADS, p)).toMatchObject({ reason: "gcd_invalid", basis: "malformed" });
  });

  it("classifies every reason of the closed vocabulary", () => {
    for (const [reason, basis] of Object.entries(BASIS_BY_REASON)) {
      expect(verdictBasis({ reason: reason as keyof typeof BASIS_BY_REASON })).toBe(basis);
    }
    const grants = Object.entries(BASIS_BY_REASON)
      .filter(([, b]) => b === "granted")
      .map(([r]) => r);
    expect(grants.sort()).toEqual(["category_granted", "gcm_ad_user_data_default_granted", "gcm_ad_user_data_granted", "tcf_granted"]);
    // An explicit platform flag's reasons are classed by their suffix.
    expect(verdictBasis({ reason: "meta_granted" })).toBe("granted");
    expect(verdictBasis({ reason: "meta_denied" })).toBe("denied");
    expect(verdictBasis({ reason: "meta_consent_missing" })).toBe("undecided");
  });
});
