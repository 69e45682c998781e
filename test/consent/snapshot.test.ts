import { describe, expect, it } from "vitest";
import { decideConsent } from "../../src/consent/decide";
import { resolveJurisdiction } from "../../src/consent/jurisdiction";
import { isConsentSnapshot, normalizeConsent } from "../../src/consent/snapshot";
import { ADS, META, gppString, policy, tcString } from "./fixtures";

const ctx = { userRegion: "auto" as const, now: 1_700_000_000_000 };

describe("normalizeConsent", () => {
  it("produces the consent snapshot for every input form at once", () => {
    const tc = tcString({ created: "2026-03-05T00:00:00Z" });
    const snapshot = normalizeConsent(
      {
        gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "denied", analytics_storage: "granted" },
        gcmDefault: { ad_user_data: "denied" },
        gcd: "13r3r3r3r5",
        gcs: "G111",
        tcf: { tcString: tc, gdprApplies: true },
        categories: { marketing: true, unknown_one: false },
        meta: "granted",
      },
      { ...ctx, categoryMap: { marketing: ["meta"] } },
    );
    expect(snapshot).toEqual({
      kind: "consent_snapshot",
      version: 1,
      receivedAt: ctx.now,
      capturedAt: Date.UTC(2026, 2, 5),
      sources: ["gcm", "gcm_default", "gcd", "gcs", "tcf", "categories", "meta"],
      jurisdiction: "EEA_UK_CH",
      google: {
        adStorage: "granted",
        analyticsStorage: "granted",
        // The user's update said denied while gcd and TCF said granted: recorded, denied wins.
        adPersonalization: "denied",
        adUserData: "granted",
        provenance: "explicit_update",
        reason: "gcm_ad_user_data_granted",
        explicitDenial: false,
      },
      explicit: { meta: "granted" },
      tcf: expect.objectContaining({ valid: true, gdprApplies: true, applies: true, policyVersion: 5, v755Consent: true }),
      categories: { raw: { marketing: true, unknown_one: false }, byDestination: { meta: "granted" }, unmapped: ["unknown_one"] },
      conflicts: ["ad_personalization"],
      problems: [],
    });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(isConsentSnapshot(snapshot)).toBe(true);
    expect(isConsentSnapshot({ meta: "granted" })).toBe(false);
  });

  it("decides the same from a stored snapshot as from the input", () => {
    const input = { gcd: "11p1p1p1p5", meta: "granted" as const };
    const stored = JSON.parse(JSON.stringify(normalizeConsent(input, ctx)));
    for (const dest of [ADS, META]) expect(decideConsent(stored, dest, policy())).toEqual(decideConsent(input, dest, policy()));
  });

  it("records every problem instead of throwing", () => {
    const s = normalizeConsent({ gcd: "zz", gcs: "G9", tcf: { tcString: "%%%" }, gpp: { gppString: "nope" } }, ctx);
    expect(s.problems.sort()).toEqual(["gcd_invalid", "gcs_invalid", "gpp_invalid", "tcf_invalid"]);
    expect(s.gpp).toEqual({ valid: false, sectionIds: [] });
  });
});

describe("jurisdiction", () => {
  const none = { tcfApplies: false, gdprNotApplicable: false, gppSections: [] };

  it("the tenant's userRegion wins when it names one", () => {
    expect(resolveJurisdiction("eea", none)).toBe("EEA_UK_CH");
    expect(resolveJurisdiction("us", { ...none, tcfApplies: true })).toBe("US");
    expect(resolveJurisdiction("other", none)).toBe("OTHER");
  });

  it("auto derives from gdprApplies and GPP sections, else UNKNOWN (never a guessed OTHER)", () => {
    expect(resolveJurisdiction("auto", none)).toBe("UNKNOWN");
    expect(resolveJurisdiction("auto", { ...none, tcfApplies: true })).toBe("EEA_UK_CH");
    expect(resolveJurisdiction("auto", { ...none, gppSections: [2] })).toBe("EEA_UK_CH");
    expect(resolveJurisdiction("auto", { ...none, gppSections: [7] })).toBe("US");
    expect(resolveJurisdiction("auto", { ...none, gppSections: [8, 2] })).toBe("EEA_UK_CH");
    expect(resolveJurisdiction("auto", { ...none, gdprNotApplicable: true })).toBe("OTHER");
  });

  it("declared applicable GPP sections take precedence over the sections a string carries", () => {
    const usnat = gppString("usnat", { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 });
    expect(normalizeConsent({ gpp: { gppString: usnat } }, ctx).jurisdiction).toBe("US");
    expect(normalizeConsent({ gpp: { gppString: usnat, applicableSections: [2] } }, ctx).jurisdiction).toBe("EEA_UK_CH");
    // `[-1]` is the CMP declaring that no section applies (IAB GPP CMP API, applicableSections:
    // https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Core/CMP%20API%20Specification.md),
    // not "not declared": the carried usnat section then names no jurisdiction.
    expect(normalizeConsent({ gpp: { gppString: usnat, applicableSections: [-1] } }, ctx).jurisdiction).toBe("UNKNOWN");
  });
});
