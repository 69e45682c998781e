import { describe, expect, it } from "vitest";
import { decideConsent } from "../../src/consent/decide";
import { normalizeConsent } from "../../src/consent/snapshot";
import type { ConsentInput } from "../../src/events/conversion";
import { ADS, DATA_MANAGER, META, deniedFlag, gppString, policy, tcString } from "./fixtures";

const blocked = (reason: string) => ({ decision: "blocked", reason });
const send = (reason: string) => ({ decision: "send", reason });
const flagged = (reason: string) => ({ decision: "send_denied_flag", reason });
const gcd = (letter: string) => `11${letter}1${letter}1${letter}1${letter}5`;

/*
 * One test per row of the consent decision table (default = do not forward). Sources per row:
 * - rows 1–6, 11 (Consent Mode defaults vs updates, ad_user_data):
 *   https://developers.google.com/tag-platform/security/guides/consent
 *   and the gcd bit rule, reproduced from Analytics Debugger's sGTM "Google Consent Parser"
 *   template (no official Google spec exists; unknown letters are treated as invalid).
 * - rows 7–10 (TC strings, vendor 755, publisher restrictions): IAB TCF policies,
 *   https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/ ; the TC string
 *   format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md ;
 *   Google's reading, https://support.google.com/admanager/answer/9805023 and
 *   https://developers.google.com/admob/android/privacy/ad-serving-modes ("Both purposes consent
 *   and vendor consent are required").
 * - row 12 (categories): https://www.twilio.com/docs/segment/privacy/consent-management/consent-faq
 * - row 13 (US opt-outs): IAB GPP US National section,
 *   https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/tree/main/Sections ;
 *   Global Privacy Control, https://privacycg.github.io/gpc-spec/
 * - rows 14–15 (withdrawal, beacon after webhook): GDPR Art. 7(3), withdrawal as easy as giving,
 *   https://eur-lex.europa.eu/eli/reg/2016/679/oj
 */
describe("consent decision table", () => {
  it("row 1: no consent data at all → deny both (consent_missing)", () => {
    for (const input of [undefined, {}, []] as Array<ConsentInput | ConsentInput[] | undefined>) {
      expect(decideConsent(input, ADS, policy())).toEqual(blocked("consent_missing"));
      expect(decideConsent(input, META, policy())).toEqual(blocked("consent_missing"));
      expect(decideConsent(input, ADS, deniedFlag())).toEqual(blocked("consent_missing"));
    }
  });

  it("row 2: GCM present, ad_user_data not set (gcd l, or key absent) → deny both", () => {
    for (const input of [
      { gcd: gcd("l") },
      { gcm: { ad_storage: "granted" } },
      { gcmDefault: { analytics_storage: "granted" } },
    ] as ConsentInput[]) {
      expect(decideConsent(input, ADS, policy())).toEqual(blocked("gcm_ad_user_data_missing"));
      expect(decideConsent(input, ADS, deniedFlag())).toEqual(blocked("gcm_ad_user_data_missing"));
      expect(decideConsent(input, META, policy())).toEqual(blocked("meta_consent_missing"));
    }
  });

  it("row 3: ad_user_data granted by default only (gcd t), EEA or UNKNOWN → deny both", () => {
    for (const input of [{ gcd: gcd("t") }, { gcmDefault: { ad_user_data: "granted" } }] as ConsentInput[]) {
      for (const userRegion of ["eea", "auto"] as const) {
        // Even the tenant's "defaults count outside the EEA" switch does not reach the EEA or UNKNOWN.
        const p = policy({ userRegion, defaultsCountOutsideEea: true });
        expect(decideConsent(input, ADS, p)).toEqual(blocked("gcm_default_only"));
        expect(decideConsent(input, META, p)).toEqual(blocked("meta_consent_missing"));
      }
    }
    expect(normalizeConsent({ gcd: gcd("t") }, { userRegion: "auto", now: 0 }).google).toMatchObject({
      adUserData: "unknown",
      provenance: "default_only",
      reason: "gcm_default_only",
    });
  });

  it("row 4: same as 3 in US/OTHER with the tenant's 'defaults count outside EEA' → Google allowed; Meta only by its own mapping", () => {
    for (const userRegion of ["us", "other"] as const) {
      const on = policy({ userRegion, defaultsCountOutsideEea: true });
      expect(decideConsent({ gcd: gcd("t") }, ADS, on)).toEqual(send("gcm_ad_user_data_default_granted"));
      expect(decideConsent({ gcd: gcd("t") }, META, on)).toEqual(blocked("meta_consent_missing"));
      // Off by default.
      expect(decideConsent({ gcd: gcd("t") }, ADS, policy({ userRegion }))).toEqual(blocked("gcm_default_only"));
    }
    const mapped = policy({ userRegion: "us", defaultsCountOutsideEea: true, categoryMap: { marketing: ["meta"] } });
    expect(decideConsent({ gcd: gcd("t"), categories: { marketing: true } }, META, mapped)).toEqual(send("category_granted"));
    // "auto" only yields US from a CMP's own signal, here a GPP usnat section without opt-outs.
    const usnat = gppString("usnat", { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 });
    const auto = policy({ defaultsCountOutsideEea: true });
    expect(decideConsent({ gcd: gcd("t"), gpp: { gppString: usnat, applicableSections: [7] } }, ADS, auto)).toEqual(
      send("gcm_ad_user_data_default_granted"),
    );
  });

  it("row 5: ad_user_data denied (gcd p, q, m, u) → Google deny or denied flag by election; Meta deny", () => {
    // `p` is denied by the page default only: it blocks the same way, under its own reason, since
    // a default is set "before a user grants consent"
    // (https://developers.google.com/tag-platform/security/guides/consent).
    for (const letter of ["p", "q", "m", "u"]) {
      const reason = letter === "p" ? "gcm_ad_user_data_default_denied" : "gcm_ad_user_data_denied";
      const input = { gcd: gcd(letter), meta: "granted" as const };
      expect(decideConsent({ gcd: gcd(letter) }, ADS, policy())).toEqual(blocked(reason));
      expect(decideConsent({ gcd: gcd(letter) }, ADS, deniedFlag())).toEqual(flagged(reason));
      expect(decideConsent({ gcd: gcd(letter) }, DATA_MANAGER, deniedFlag())).toEqual(flagged(reason));
      expect(decideConsent({ gcd: gcd(letter) }, META, deniedFlag())).toEqual(blocked("meta_consent_missing"));
      // Meta's own grant is untouched by Google's denial, and never becomes a denied flag.
      expect(decideConsent(input, META, deniedFlag())).toEqual(send("meta_granted"));
    }
    expect(decideConsent({ gcm: { ad_user_data: "denied" } }, ADS, deniedFlag())).toEqual(flagged("gcm_ad_user_data_denied"));
  });

  it("row 6: ad_user_data granted by update (gcd r, n, v) → Google allowed; Meta only via its own rule", () => {
    for (const letter of ["r", "n", "v"]) {
      expect(decideConsent({ gcd: gcd(letter) }, ADS, policy({ userRegion: "eea" }))).toEqual(send("gcm_ad_user_data_granted"));
      expect(decideConsent({ gcd: gcd(letter) }, META, policy())).toEqual(blocked("meta_consent_missing"));
      expect(decideConsent({ gcd: gcd(letter), meta: "granted" }, META, policy())).toEqual(send("meta_granted"));
    }
    expect(decideConsent({ gcd: "13r3r3r3r5" }, ADS, policy())).toEqual(send("gcm_ad_user_data_granted"));
  });

  it("row 7: TC string without gdprApplies → treated as applying; valid is used, invalid denies", () => {
    const input = { tcf: { tcString: tcString() } };
    expect(normalizeConsent(input, { userRegion: "auto", now: 0 })).toMatchObject({
      jurisdiction: "EEA_UK_CH",
      tcf: { valid: true, applies: true },
      google: { adUserData: "granted", provenance: "tcf_derived" },
    });
    expect(decideConsent(input, ADS, policy())).toEqual(send("tcf_granted"));
    expect(decideConsent(input, META, policy())).toEqual(blocked("meta_consent_missing"));
    expect(decideConsent({ ...input, meta: "granted" }, META, policy())).toEqual(send("meta_granted"));
    expect(decideConsent({ tcf: { tcString: "garbage" } }, ADS, policy())).toEqual(blocked("tcf_invalid"));
  });

  it("row 8: TC string undecodable, outdated, or created from 2026-03-01 without Disclosed Vendors → deny both", () => {
    const cases: Array<[string, string]> = [
      ["not-a-tc-string", "tcf_invalid"],
      [tcString({ policyVersion: 3, created: "2024-01-10T00:00:00Z", disclosedSegment: false }), "tcf_policy_outdated"],
      [tcString({ created: "2026-04-01T00:00:00Z", disclosedSegment: false }), "tcf_vendors_disclosed_missing"],
    ];
    for (const [tc, reason] of cases) {
      const input: ConsentInput = { tcf: { tcString: tc, gdprApplies: true }, gcm: { ad_user_data: "granted" }, meta: "granted" };
      expect(decideConsent(input, ADS, deniedFlag())).toEqual(blocked(reason));
      expect(decideConsent(input, META, policy())).toEqual(blocked(reason));
      expect(normalizeConsent(input, { userRegion: "auto", now: 0 }).problems).toContain(reason);
    }
  });

  it("row 9: valid TC string, vendor 755 not consented or not disclosed → deny (denied flag only for the refusal)", () => {
    const refused = { tcf: { tcString: tcString({ vendorConsent: false, vendorLI: false }), gdprApplies: true } };
    expect(decideConsent(refused, ADS, policy())).toEqual(blocked("tcf_vendor_755_no_consent"));
    expect(decideConsent(refused, ADS, deniedFlag())).toEqual(flagged("tcf_vendor_755_no_consent"));
    const undisclosed = { tcf: { tcString: tcString({ disclosed: [1, 2] }), gdprApplies: true } };
    expect(decideConsent(undisclosed, ADS, deniedFlag())).toEqual(blocked("tcf_vendor_755_not_disclosed"));
    // Meta follows its own rule: purposes 1 and 7 are consented, so its explicit grant stands.
    expect(decideConsent({ ...refused, meta: "granted" }, META, policy())).toEqual(send("meta_granted"));
    expect(decideConsent(refused, META, policy())).toEqual(blocked("meta_consent_missing"));
  });

  it("row 10: valid TC string, p1/p7/755 fine, but a publisher restriction on 755 → deny Google", () => {
    const restricted = { tcf: { tcString: tcString({ restrictions: [{ purposeId: 7, type: 0 }] }), gdprApplies: true } };
    expect(decideConsent(restricted, ADS, policy())).toEqual(blocked("tcf_vendor_755_restricted"));
    expect(decideConsent(restricted, ADS, deniedFlag())).toEqual(blocked("tcf_vendor_755_restricted"));
    expect(decideConsent({ ...restricted, meta: "granted" }, META, policy())).toEqual(send("meta_granted"));
  });

  it("row 11: GCM says granted and TCF denied (or the reverse) → deny both as a conflict", () => {
    const tcfDenied = tcString({ vendorConsent: false, vendorLI: false });
    const cases: ConsentInput[] = [
      { gcm: { ad_user_data: "granted" }, tcf: { tcString: tcfDenied, gdprApplies: true }, meta: "granted" },
      { gcm: { ad_user_data: "denied" }, tcf: { tcString: tcString(), gdprApplies: true }, meta: "granted" },
      // Two Consent Mode sources that disagree on the user's update are a conflict too.
      { gcm: { ad_user_data: "granted" }, gcd: gcd("m"), meta: "granted" },
    ];
    for (const input of cases) {
      expect(decideConsent(input, ADS, deniedFlag())).toEqual(blocked("consent_conflict"));
      expect(decideConsent(input, META, policy())).toEqual(blocked("consent_conflict"));
      expect(normalizeConsent(input, { userRegion: "auto", now: 0 })).toMatchObject({
        conflicts: ["ad_user_data"],
        problems: ["consent_conflict"],
      });
    }
    // Explicit flags that disagree: the Meta flag against the tenant-mapped category.
    const mapped = policy({ categoryMap: { marketing: ["meta"] } });
    expect(decideConsent({ meta: "granted", categories: { marketing: false } }, META, mapped)).toEqual(blocked("consent_conflict"));
    // A default that an update overrides is not a conflict.
    expect(decideConsent({ gcmDefault: { ad_user_data: "denied" }, gcm: { ad_user_data: "granted" } }, ADS, policy())).toEqual(
      send("gcm_ad_user_data_granted"),
    );
  });

  it("row 12: a received category the tenant's map lacks is unknown, never granted", () => {
    const p = policy({ categoryMap: { marketing: ["meta", "ads"] } });
    const input = { categories: { advertising: true, analytics: true } };
    expect(decideConsent(input, META, p)).toEqual(blocked("meta_consent_missing"));
    expect(decideConsent(input, ADS, p)).toEqual(blocked("gcm_ad_user_data_missing"));
    expect(normalizeConsent(input, { userRegion: "auto", now: 0, categoryMap: p.categoryMap }).categories).toEqual({
      raw: { advertising: true, analytics: true },
      byDestination: {},
      unmapped: ["advertising", "analytics"],
    });
  });

  it("row 13: GPP usnat opt-out = 1, or Sec-GPC: 1 → deny both (us_opt_out; LDU not used)", () => {
    const grants: ConsentInput = { gcm: { ad_user_data: "granted" }, meta: "granted" };
    const optOut = gppString("usnat", { SaleOptOut: 1, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 });
    for (const dest of [ADS, META]) {
      expect(decideConsent({ ...grants, gpp: { gppString: optOut, applicableSections: [7] } }, dest, deniedFlag())).toEqual(
        blocked("us_opt_out"),
      );
      expect(decideConsent(grants, dest, deniedFlag(), { gpcHeader: true })).toEqual(blocked("us_opt_out"));
      expect(decideConsent({ ...grants, gpc: true }, dest, deniedFlag())).toEqual(blocked("us_opt_out"));
    }
  });

  it("row 14: a snapshot with a newer withdrawal → deny both (withdrawn)", () => {
    const grants: ConsentInput = { gcm: { ad_user_data: "granted" }, meta: "granted", tcf: { tcString: tcString(), gdprApplies: true } };
    const snapshot = normalizeConsent(grants, { userRegion: "auto", now: 1_000, withdrawnAt: 2_000 });
    expect(snapshot.withdrawnAt).toBe(2_000);
    for (const dest of [ADS, META]) {
      expect(decideConsent(snapshot, dest, deniedFlag())).toEqual(blocked("withdrawn"));
      expect(decideConsent(grants, dest, deniedFlag(), { withdrawn: true })).toEqual(blocked("withdrawn"));
      expect(decideConsent(normalizeConsent(grants, { userRegion: "auto", now: 1_000 }), dest, policy(), { withdrawn: true })).toEqual(
        blocked("withdrawn"),
      );
    }
  });

  it("row 15: consent arriving after the webhook → never sent first; decided with the beacon once it comes", () => {
    const webhook: ConsentInput | undefined = undefined;
    // Until the beacon arrives the verdict is a block, so nothing goes out early.
    expect(decideConsent(webhook, ADS, policy())).toEqual(blocked("consent_missing"));
    const beacon: ConsentInput = { gcd: "13r3r3r3r5", meta: "granted" };
    expect(decideConsent([beacon], ADS, policy())).toEqual(send("gcm_ad_user_data_granted"));
    expect(decideConsent([beacon], META, policy())).toEqual(send("meta_granted"));
    // A webhook with its own consent is read together with the beacon: agreement sends...
    expect(decideConsent([{ gcm: { ad_user_data: "granted" } }, beacon], ADS, policy())).toEqual(send("gcm_ad_user_data_granted"));
    // ...and disagreement is a conflict.
    expect(decideConsent([{ gcm: { ad_user_data: "denied" } }, beacon], ADS, policy())).toEqual(blocked("consent_conflict"));
    expect(decideConsent([{ meta: "denied" }, beacon], META, policy())).toEqual(blocked("consent_conflict"));
  });
});
