import { GppModel } from "@iabgpp/cmpapi";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONSENT_POLICY } from "../../src/config/types";
import { decideConsent } from "../../src/consent/decide";
import { mergeConsentInputs } from "../../src/consent/merge";
import { readConsentInput } from "../../src/consent/schema";
import { normalizeConsent } from "../../src/consent/snapshot";
import { explicitDenials } from "../../src/consent/sticky";
import type { ConsentInput } from "../../src/events/conversion";
import { ADS, policy as consentPolicy, tcString } from "./fixtures";

const policy = { ...DEFAULT_CONSENT_POLICY, categoryMap: { marketing: ["meta"] } };
const destinations = [
  { id: "meta", type: "meta" as const },
  { id: "ads", type: "google_ads" as const },
];
const refusals = (input: ConsentInput) =>
  explicitDenials(normalizeConsent(input, { userRegion: "auto", now: 0, categoryMap: policy.categoryMap }), destinations, policy);

describe("mergeConsentInputs", () => {
  it("keeps signals the later input omits, per signal and per Consent Mode type", () => {
    expect(
      mergeConsentInputs(
        { meta: "granted", gcm: { ad_user_data: "granted", ad_storage: "granted" }, categories: { marketing: true } },
        { gcm: { ad_user_data: "denied" }, categories: { stats: false } },
      ),
    ).toEqual({ meta: "granted", gcm: { ad_user_data: "denied", ad_storage: "granted" }, categories: { marketing: true, stats: false } });
  });

  it("the later TC string replaces the earlier one; GPC is never taken back", () => {
    expect(mergeConsentInputs({ tcf: { tcString: "old" }, gpc: true }, { tcf: { tcString: "new" } })).toEqual({
      tcf: { tcString: "new" },
      gpc: true,
    });
    expect(mergeConsentInputs(undefined, { meta: "denied" })).toEqual({ meta: "denied" });
    expect(mergeConsentInputs({ meta: "denied" }, undefined)).toEqual({ meta: "denied" });
  });
});

describe("mergeConsentInputs: an unreadable value is not forgotten", () => {
  // Issue 9, item 5 (a malformed value makes the verdict ambiguous) with item 2 (a later beacon
  // that omits a signal keeps the earlier one): a malformed mark is a signal too.
  it("a later input's marks add to the earlier ones instead of replacing them", () => {
    const merged = mergeConsentInputs(
      { meta: "granted", malformed: ["categories.marketing"] },
      { gcm: { ad_storage: "granted" }, malformed: ["gcm"] },
    );
    expect(merged?.malformed?.sort()).toEqual(["categories.marketing", "gcm"]);
    expect(mergeConsentInputs({ malformed: ["tiktok"] }, { meta: "granted" })).toEqual({ meta: "granted", malformed: ["tiktok"] });
    expect(mergeConsentInputs({ meta: "granted" }, { malformed: ["meta"] })).toEqual({ meta: "granted", malformed: ["meta"] });
  });

  it("a field the later input carries validly replaces the earlier mark for that field only", () => {
    expect(mergeConsentInputs({ malformed: ["meta", "gcd", "tcf"] }, { meta: "denied", gcd: "13r3r3r3r5" })).toEqual({
      meta: "denied",
      gcd: "13r3r3r3r5",
      malformed: ["tcf"],
    });
    expect(mergeConsentInputs({ malformed: ["categories.marketing", "categories.stats"] }, { categories: { marketing: false } })).toEqual({
      categories: { marketing: false },
      malformed: ["categories.stats"],
    });
    expect(mergeConsentInputs({ malformed: ["gpp", "gpc", "gcs"] }, { gpp: { gppString: "DBABMA~x" }, gpc: true, gcs: "G100" })).toEqual({
      gpp: { gppString: "DBABMA~x" },
      gpc: true,
      gcs: "G100",
    });
  });

  it("a field the later input carries but also marks stays marked", () => {
    // A TC string whose gdprApplies is unreadable is kept, and marked.
    expect(mergeConsentInputs({ malformed: ["tcf"] }, { tcf: { tcString: "x" }, malformed: ["tcf"] })?.malformed).toEqual(["tcf"]);
  });

  it("marks on a whole map, or on the whole consent object, stay whatever comes later", () => {
    const later = {
      gcm: { ad_user_data: "granted" as const },
      gcmDefault: { ad_user_data: "granted" as const },
      categories: { marketing: true },
    };
    expect(mergeConsentInputs({ malformed: ["consent", "gcm", "gcmDefault", "categories"] }, later)?.malformed?.sort()).toEqual([
      "categories",
      "consent",
      "gcm",
      "gcmDefault",
    ]);
  });

  it("inputs without marks merge without a malformed list", () => {
    expect(mergeConsentInputs({ meta: "granted" }, { tiktok: "denied" })).not.toHaveProperty("malformed");
  });

  it("the audited case: the earlier malformed category still blocks Meta after a later malformed Consent Mode value", () => {
    const first = readConsentInput({ meta: "granted", categories: { marketing: "false" } });
    const second = readConsentInput({ gcm: { ad_user_data: "maybe" } });
    const merged = mergeConsentInputs(first, second);
    const decide = (input: ConsentInput | undefined) => decideConsent(input, { id: "meta", type: "meta" }, policy);
    expect(decide(first)).toEqual({ decision: "blocked", reason: "consent_malformed" });
    expect(decide(merged)).toEqual({ decision: "blocked", reason: "consent_malformed" });
  });
});

describe("explicitDenials (what sticks for a join key)", () => {
  it("a user's refusal sticks, per destination, with its reason", () => {
    expect(refusals({ meta: "denied" })).toEqual([{ destinationId: "meta", reason: "meta_denied" }]);
    expect(refusals({ gcm: { ad_user_data: "denied" } })).toEqual([{ destinationId: "ads", reason: "gcm_ad_user_data_denied" }]);
    expect(refusals({ categories: { marketing: false } })).toEqual([{ destinationId: "meta", reason: "category_denied" }]);
  });

  it("a page default, a missing or an unreadable signal is no refusal", () => {
    expect(refusals({ gcmDefault: { ad_user_data: "denied" } })).toEqual([]);
    expect(refusals({ gcm: { ad_storage: "granted" } })).toEqual([]);
    expect(refusals({ tcf: { tcString: "garbage!!" } })).toEqual([]);
    expect(refusals({ meta: "granted", gcm: { ad_user_data: "granted" } })).toEqual([]);
  });

  it("a refusal stated beside an unreadable value is a refusal all the same", () => {
    // The verdict is consent_malformed / gcd_invalid / gpp_invalid, but the user said no.
    expect(refusals(readConsentInput({ meta: "denied", categories: { marketing: "maybe" } })!)).toEqual([
      { destinationId: "meta", reason: "meta_denied" },
    ]);
    expect(refusals({ meta: "denied", gpp: { gppString: "garbage~x" } })).toEqual([{ destinationId: "meta", reason: "meta_denied" }]);
    expect(refusals({ gcm: { ad_user_data: "denied" }, gcd: "13zz!!" })).toEqual([
      { destinationId: "ads", reason: "gcm_ad_user_data_denied" },
    ]);
    expect(refusals({ categories: { marketing: false }, tcf: { tcString: "garbage!!" } })).toEqual([
      { destinationId: "meta", reason: "category_denied" },
    ]);
    // Nothing readable refuses: still no refusal.
    expect(refusals({ meta: "granted", gpp: { gppString: "garbage~x" } })).toEqual([]);
  });
});

describe("mergeConsentInputs: TC strings of the same LastUpdated", () => {
  // Issue 9, item 4: "equal timestamps conflict → deny". No date orders two strings of the same
  // LastUpdated (TC string format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md),
  // so the merge keeps both and the reading weighs them as it weighs one webhook's strings.
  const day = "2026-03-06T00:00:00Z";
  const grant = { tcString: tcString({ lastUpdated: day }), gdprApplies: true };
  const refuse = { tcString: tcString({ lastUpdated: day, purposes: [], vendorConsent: false }), gdprApplies: true };
  const newer = { tcString: tcString({ lastUpdated: "2026-03-10T00:00:00Z" }), gdprApplies: true };
  const older = { tcString: tcString({ lastUpdated: "2026-03-01T00:00:00Z" }), gdprApplies: true };
  const merge = (...inputs: ConsentInput[]) => inputs.reduce<ConsentInput | undefined>((a, b) => mergeConsentInputs(a, b), undefined);

  it("keeps both strings of one date, which then conflict", () => {
    const merged = merge({ tcf: grant }, { tcf: refuse });
    expect(merged).toEqual({ tcf: refuse, tcfTies: [grant] });
    expect(decideConsent(merged, ADS, consentPolicy())).toEqual({ decision: "blocked", reason: "consent_conflict" });
    expect(decideConsent(merge({ tcf: refuse }, { tcf: grant }), ADS, consentPolicy())).toEqual({
      decision: "blocked",
      reason: "consent_conflict",
    });
  });

  it("the same string twice is kept once; an older one leaves the tie; a newer one replaces it", () => {
    expect(merge({ tcf: grant }, { tcf: grant })).toEqual({ tcf: grant });
    expect(merge({ tcf: grant }, { tcf: refuse }, { tcf: older })).toEqual({ tcf: refuse, tcfTies: [grant] });
    expect(merge({ tcf: grant }, { tcf: refuse }, { meta: "granted" })).toEqual({ tcf: refuse, tcfTies: [grant], meta: "granted" });
    expect(merge({ tcf: grant }, { tcf: refuse }, { tcf: newer })).toEqual({ tcf: newer });
    expect(decideConsent(merge({ tcf: grant }, { tcf: refuse }, { tcf: newer }), ADS, consentPolicy())).toEqual({
      decision: "send",
      reason: "tcf_granted",
    });
  });

  it("a later string that cannot be read replaces the tie (tcf_invalid)", () => {
    const merged = merge({ tcf: grant }, { tcf: refuse }, { tcf: { tcString: "garbage!!", gdprApplies: true } });
    // The tie's date stays beside it: only a string newer than that replaces it in turn.
    expect(merged).toEqual({ tcf: { tcString: "garbage!!", gdprApplies: true }, tcfLatestAt: Date.parse(day) });
    expect(merge(merged!, { tcf: older })).toEqual(merged);
    expect(merge(merged!, { tcf: grant })).toEqual(merged);
    expect(merge(merged!, { tcf: newer })).toEqual({ tcf: newer });
  });

  it("a webhook string newer than the tied beacon strings stands over both", () => {
    const beacons = merge({ tcf: grant }, { tcf: refuse })!;
    expect(decideConsent([{ tcf: newer }, beacons], ADS, consentPolicy())).toEqual({ decision: "send", reason: "tcf_granted" });
  });
});

describe("mergeConsentInputs: the TC string inside a GPP string", () => {
  // Issue 9, item 4: "Strings that disagree: the one with the latest lastUpdated stands", whichever
  // field carries them: GPP section 2 is the TC string itself (IAB GPP, TCF EU section,
  // https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Sections/EEA/GPPExtension:%20IAB%20Europe%20TCF.md).
  const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
  const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z", purposes: [], vendorConsent: false });
  const newest = tcString({ lastUpdated: "2026-03-12T00:00:00Z" });
  /** A GPP string with `tc` as its TCF EU section and, optionally, a usnat section, built with the GPP library. */
  const gpp = (tc: string | undefined, usnat?: Record<string, number>) => {
    const model = new GppModel();
    if (tc) model.decodeSection("tcfeuv2", tc);
    for (const [field, value] of Object.entries(usnat ?? {})) model.setFieldValue("usnat", field, value);
    return { gpp: { gppString: model.encode(), applicableSections: [2] } };
  };
  /** The TC string a GPP string carries (the library re-encodes it with a publisher segment). */
  const sectionOf = (input: ReturnType<typeof gpp>) => input.gpp.gppString.split("~")[1]!;
  /** A GPP string whose header lists section 2 but whose TC string cannot be read. */
  const unreadableInGpp = {
    gpp: { gppString: `${gpp(older).gpp.gppString.split("~")[0]}~${older.slice(0, 20)}`, applicableSections: [2] },
  };
  const merge = (...inputs: ConsentInput[]) => inputs.reduce<ConsentInput | undefined>((a, b) => mergeConsentInputs(a, b), undefined);
  const google = (input: ConsentInput | undefined) => decideConsent(input, ADS, consentPolicy());
  const refused = { decision: "blocked", reason: "tcf_purpose_1_denied" };
  const granted = { decision: "send", reason: "tcf_granted" };

  it("an older GPP string's TC string arriving after a newer one does not replace it", () => {
    const merged = merge(gpp(newer), gpp(older));
    expect(google(merged)).toEqual(refused);
    // The later GPP string stays (its other sections are read by arrival); its stale TC string is marked.
    expect(merged).toMatchObject({ gpp: gpp(older).gpp, gppTcfSuperseded: true, tcf: { tcString: sectionOf(gpp(newer)) } });
    expect(google(merge(gpp(newer), gpp(older), gpp(newest)))).toEqual(granted);
    expect(google(merge(gpp(older), gpp(newer)))).toEqual(refused);
    expect(merge(gpp(older), gpp(newer))).toEqual(gpp(newer));
  });

  it("TC strings in tcf and in GPP are ordered together, in either order", () => {
    const tcf = (tc: string) => ({ tcf: { tcString: tc, gdprApplies: true } });
    expect(google(merge(gpp(newer), tcf(older)))).toEqual(refused);
    expect(google(merge(tcf(newer), gpp(older)))).toEqual(refused);
    expect(google(merge(tcf(older), gpp(newer), tcf(older)))).toEqual(refused);
    expect(google(merge(gpp(older), tcf(newest)))).toEqual(granted);
    // The same string in both fields is kept once, in the GPP string.
    expect(merge(tcf(older), { ...tcf(sectionOf(gpp(newer))), ...gpp(newer) })).toEqual(gpp(newer));
  });

  it("a later GPP string without a TC string keeps the earlier one standing", () => {
    const merged = merge(gpp(newer), gpp(undefined, { SaleOptOut: 2 }));
    expect(google(merged)).toEqual(refused);
    expect(google(merge(merged!, gpp(older)))).toEqual(refused);
  });

  it("an unreadable TC string in GPP stands until a string newer than every readable one (tcf_invalid)", () => {
    const merged = merge(gpp(newer), unreadableInGpp);
    expect(google(merged)).toEqual({ decision: "blocked", reason: "tcf_invalid" });
    expect(google(merge(merged!, gpp(older)))).toEqual({ decision: "blocked", reason: "tcf_invalid" });
    expect(google(merge(merged!, { tcf: { tcString: older, gdprApplies: true } }))).toEqual({ decision: "blocked", reason: "tcf_invalid" });
    expect(google(merge(merged!, gpp(older), gpp(older)))).toEqual({ decision: "blocked", reason: "tcf_invalid" });
    expect(google(merge(merged!, gpp(newest)))).toEqual(granted);
    // And the other way round: a readable GPP string, an unreadable tcf string, a stale GPP string.
    expect(google(merge(gpp(newer), { tcf: { tcString: "garbage!!", gdprApplies: true } }, gpp(older)))).toEqual({
      decision: "blocked",
      reason: "tcf_invalid",
    });
  });

  it("a stale GPP copy is not read even where the string that stands does not apply", () => {
    // The user's latest string says GDPR does not apply; the older GPP grant must not stand in for it.
    const notApplying = { tcf: { tcString: newer, gdprApplies: false } };
    expect(google(merge(notApplying, gpp(older)))).toEqual({ decision: "blocked", reason: "gcm_ad_user_data_missing" });
    const unreadableNotApplying = { tcf: { tcString: "garbage!!", gdprApplies: false } };
    expect(google(merge(gpp(newer), unreadableNotApplying, gpp(older)))).not.toMatchObject({ decision: "send" });
  });

  it("a US opt-out in a later GPP string stands even when its TC string is stale", () => {
    // US sections carry no date (IAB GPP US National, https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/tree/main/Sections):
    // the later GPP string's sections are read by arrival, so a refusal in it is never set aside.
    const merged = merge(gpp(newest, { SaleOptOut: 2 }), gpp(older, { SaleOptOut: 1 }));
    expect(google(merged)).toEqual({ decision: "blocked", reason: "us_opt_out" });
    expect(decideConsent(merged, { id: "meta", type: "meta" }, consentPolicy())).toEqual({ decision: "blocked", reason: "us_opt_out" });
  });
});
