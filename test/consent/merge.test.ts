import { describe, expect, it } from "vitest";
import { DEFAULT_CONSENT_POLICY } from "../../src/config/types";
import { decideConsent } from "../../src/consent/decide";
import { mergeConsentInputs } from "../../src/consent/merge";
import { readConsentInput } from "../../src/consent/schema";
import { normalizeConsent } from "../../src/consent/snapshot";
import { explicitDenials } from "../../src/consent/sticky";
import type { ConsentInput } from "../../src/events/conversion";

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
