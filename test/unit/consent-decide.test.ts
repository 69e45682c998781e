import { describe, expect, it } from "vitest";
import { DEFAULT_CONSENT_POLICY, type ConsentPolicy } from "../../src/config/types";
import { decideConsent } from "../../src/consent/decide";
import { readConsentInput } from "../../src/consent/schema";

const meta = { id: "meta", type: "meta" } as const;
const ads = { id: "ads", type: "google_ads" } as const;
const policy = (p: Partial<ConsentPolicy> = {}): ConsentPolicy => ({ ...DEFAULT_CONSENT_POLICY, ...p });

describe("decideConsent — Meta", () => {
  it("blocks with consent_missing when there is no consent at all", () => {
    expect(decideConsent(undefined, meta, policy())).toEqual({ decision: "blocked", reason: "consent_missing" });
  });

  it("sends only on an explicit meta grant", () => {
    expect(decideConsent({ meta: "granted" }, meta, policy())).toEqual({ decision: "send", reason: "meta_granted" });
    expect(decideConsent({ meta: "denied" }, meta, policy())).toEqual({ decision: "blocked", reason: "meta_denied" });
  });

  it("is never granted by Google's signals alone", () => {
    const gcmAllGranted = { gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" } } as const;
    expect(decideConsent(gcmAllGranted, meta, policy())).toEqual({ decision: "blocked", reason: "meta_consent_missing" });
  });

  it("grants through a mapped CMP category, and an unmapped category says nothing", () => {
    const mapped = policy({ categoryMap: { marketing: ["meta"] } });
    expect(decideConsent({ categories: { marketing: true } }, meta, mapped)).toEqual({ decision: "send", reason: "category_granted" });
    expect(decideConsent({ categories: { analytics: true } }, meta, mapped)).toEqual({
      decision: "blocked",
      reason: "meta_consent_missing",
    });
    expect(decideConsent({ categories: { marketing: true } }, meta, policy())).toEqual({
      decision: "blocked",
      reason: "meta_consent_missing",
    });
  });

  it("lets a denial win over a grant", () => {
    const mapped = policy({ categoryMap: { marketing: ["meta"], ads: ["meta"] } });
    // The explicit flag and the mapped category disagree: a conflict, and denied wins.
    expect(decideConsent({ meta: "granted", categories: { marketing: false } }, meta, mapped)).toEqual({
      decision: "blocked",
      reason: "consent_conflict",
    });
    expect(decideConsent({ categories: { marketing: true, ads: false } }, meta, mapped)).toEqual({
      decision: "blocked",
      reason: "category_denied",
    });
  });

  it("blocks every destination on Global Privacy Control", () => {
    expect(decideConsent({ meta: "granted", gpc: true }, meta, policy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent({ gcm: { ad_user_data: "granted" }, gpc: true }, ads, policy())).toEqual({
      decision: "blocked",
      reason: "us_opt_out",
    });
  });
});

describe("decideConsent — Google (gcm objects)", () => {
  it("sends on ad_user_data granted and blocks when it is missing", () => {
    expect(decideConsent({ gcm: { ad_user_data: "granted" } }, ads, policy())).toEqual({
      decision: "send",
      reason: "gcm_ad_user_data_granted",
    });
    expect(decideConsent({ gcm: { ad_storage: "granted" } }, ads, policy())).toEqual({
      decision: "blocked",
      reason: "gcm_ad_user_data_missing",
    });
  });

  it("does not count a page default as consent", () => {
    expect(decideConsent({ gcmDefault: { ad_user_data: "granted" } }, ads, policy())).toEqual({
      decision: "blocked",
      reason: "gcm_default_only",
    });
  });

  it("drops or sends the denied flag on an explicit denial, per the tenant's election", () => {
    const denied = { gcm: { ad_user_data: "denied" } } as const;
    expect(decideConsent(denied, ads, policy())).toEqual({ decision: "blocked", reason: "gcm_ad_user_data_denied" });
    expect(decideConsent(denied, ads, policy({ googleOnDenied: "send_denied_flag" }))).toEqual({
      decision: "send_denied_flag",
      reason: "gcm_ad_user_data_denied",
    });
  });
});

describe("readConsentInput", () => {
  it("keeps well-formed signals and records malformed ones instead of failing or dropping them", () => {
    expect(readConsentInput({ meta: "yes", gcm: { ad_user_data: "GRANTED", ad_storage: "granted" }, gpc: "1" })).toEqual({
      gcm: { ad_storage: "granted" },
      malformed: ["gcm", "gpc", "meta"],
    });
    expect(readConsentInput("granted")).toEqual({ malformed: ["consent"] });
    expect(readConsentInput({})).toBeUndefined();
    expect(readConsentInput(null)).toBeUndefined();
    expect(readConsentInput({ meta: null, gcm: { ad_storage: null } })).toBeUndefined();
    expect(readConsentInput({ tcf: { tcString: 42 }, categories: { marketing: "true", ads: true } })).toEqual({
      categories: { ads: true },
      malformed: ["tcf", "categories.marketing"],
    });
    expect(readConsentInput({ gpp: { gppString: "DBABLA~CFQVAAAAAABA.QA", applicableSections: "7" } })).toMatchObject({
      malformed: ["gpp"],
    });
    expect(readConsentInput({ gcd: 13, gcs: "G1".repeat(20) })).toEqual({ malformed: ["gcd", "gcs"] });
    expect(readConsentInput({ categories: "marketing" })).toEqual({ malformed: ["categories"] });
  });

  it("a malformed field blocks what it could speak for, even when another field grants", () => {
    const mapped = policy({ categoryMap: { marketing: ["meta"] } });
    const input = readConsentInput({ meta: "granted", categories: { marketing: "false" } });
    expect(decideConsent(input, meta, mapped)).toEqual({ decision: "blocked", reason: "consent_malformed" });
    // The category is not mapped to Google Ads, so it says nothing there.
    const both = readConsentInput({ gcm: { ad_user_data: "granted" }, meta: "granted", categories: { marketing: "no" } });
    expect(decideConsent(both, ads, mapped)).toEqual({ decision: "send", reason: "gcm_ad_user_data_granted" });
    expect(decideConsent(both, meta, mapped)).toEqual({ decision: "blocked", reason: "consent_malformed" });
    // A garbled Meta flag blocks Meta only; a garbled Consent Mode object blocks Google only.
    const metaBad = readConsentInput({ gcm: { ad_user_data: "granted" }, meta: "GRANTED" });
    expect(decideConsent(metaBad, meta, policy())).toEqual({ decision: "blocked", reason: "consent_malformed" });
    expect(decideConsent(metaBad, ads, policy())).toEqual({ decision: "send", reason: "gcm_ad_user_data_granted" });
    const gcmBad = readConsentInput({ gcm: { ad_user_data: "granted", ad_storage: 1 }, meta: "granted" });
    expect(decideConsent(gcmBad, ads, policy())).toEqual({ decision: "blocked", reason: "consent_malformed" });
    expect(decideConsent(gcmBad, meta, policy())).toEqual({ decision: "send", reason: "meta_granted" });
    // TCF, GPP, GPC and the object as a whole speak for everyone.
    for (const raw of [{ meta: "granted", gpc: "yes" }, { meta: "granted", tcf: "CQ" }, "granted", { meta: "granted", gpp: {} }]) {
      expect(decideConsent(readConsentInput(raw), meta, policy())).toEqual({ decision: "blocked", reason: "consent_malformed" });
    }
  });
});
