import { describe, expect, it } from "vitest";
import { categoryStateFor, mapCategories, mergeCategories } from "../../src/consent/categories";
import { decideConsent } from "../../src/consent/decide";
import { ADS, META, deniedFlag, policy } from "./fixtures";

const map = { marketing: ["meta", "ads"], ads_measurement: ["ads"], analytics: [] };

describe("CMP categories through the tenant's categoryMap", () => {
  it("a mapped true grants, a mapped false denies, and every mapped category must be true", () => {
    expect(categoryStateFor({ marketing: true }, map, "meta")).toBe("granted");
    expect(categoryStateFor({ marketing: false }, map, "meta")).toBe("denied");
    expect(categoryStateFor({ marketing: true, ads_measurement: false }, map, "ads")).toBe("denied");
    expect(categoryStateFor({ marketing: true, ads_measurement: false }, map, "meta")).toBe("granted");
  });

  it("a destination mapped to several categories needs all of them; an absent one is not granted", () => {
    // Segment forwards "only if the user has opted-in to all" the destination's categories
    // (https://www.twilio.com/docs/segment/privacy/consent-management/consent-faq).
    expect(categoryStateFor({ marketing: true }, map, "ads")).toBeUndefined();
    expect(categoryStateFor({ marketing: true, ads_measurement: true }, map, "ads")).toBe("granted");
    const p = policy({ categoryMap: map });
    expect(decideConsent({ categories: { marketing: true } }, ADS, p)).toEqual({ decision: "blocked", reason: "gcm_ad_user_data_missing" });
    expect(decideConsent({ categories: { ads_measurement: true } }, ADS, p)).toEqual({
      decision: "blocked",
      reason: "gcm_ad_user_data_missing",
    });
    expect(decideConsent({ categories: { marketing: true, ads_measurement: true } }, ADS, p)).toEqual({
      decision: "send",
      reason: "category_granted",
    });
  });

  it("an unmapped category, or one mapped to no destination, says nothing", () => {
    expect(categoryStateFor({ advertising: true }, map, "meta")).toBeUndefined();
    expect(categoryStateFor({ analytics: true }, map, "ads")).toBeUndefined();
    expect(categoryStateFor({ toString: true, __proto__: true } as Record<string, boolean>, map, "meta")).toBeUndefined();
    expect(mapCategories({ marketing: true, advertising: true, analytics: false }, map)).toEqual({
      byDestination: { meta: "granted" },
      unmapped: ["advertising", "analytics"],
    });
  });

  it("decides Meta and Google from a mapped category", () => {
    const p = policy({ categoryMap: map });
    expect(decideConsent({ categories: { marketing: true } }, META, p)).toEqual({ decision: "send", reason: "category_granted" });
    expect(decideConsent({ categories: { marketing: true, ads_measurement: true } }, ADS, p)).toEqual({
      decision: "send",
      reason: "category_granted",
    });
    expect(decideConsent({ categories: { marketing: false } }, META, p)).toEqual({ decision: "blocked", reason: "category_denied" });
    // A category refusal is not an ad_user_data denial, so it never rides the denied flag.
    expect(decideConsent({ categories: { marketing: false } }, ADS, deniedFlag({ categoryMap: map }))).toEqual({
      decision: "blocked",
      reason: "category_denied",
    });
  });

  it("a category refusal against a Google grant is a conflict", () => {
    const p = policy({ categoryMap: map });
    expect(decideConsent({ gcm: { ad_user_data: "granted" }, categories: { ads_measurement: false } }, ADS, p)).toEqual({
      decision: "blocked",
      reason: "consent_conflict",
    });
    // Agreement leaves the more specific Google reason.
    expect(decideConsent({ gcm: { ad_user_data: "granted" }, categories: { marketing: true, ads_measurement: true } }, ADS, p)).toEqual({
      decision: "send",
      reason: "gcm_ad_user_data_granted",
    });
  });

  it("decisions use the tenant's current map, not the one at capture time", () => {
    expect(decideConsent({ categories: { marketing: true } }, META, policy())).toEqual({
      decision: "blocked",
      reason: "meta_consent_missing",
    });
  });

  it("merges categories from several inputs with false winning", () => {
    expect(mergeCategories([{ a: true, b: true }, { b: false, c: true }, undefined])).toEqual({ a: true, b: false, c: true });
    expect(mergeCategories([undefined, {}])).toBeUndefined();
  });
});
