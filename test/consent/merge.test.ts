import { describe, expect, it } from "vitest";
import { DEFAULT_CONSENT_POLICY } from "../../src/config/types";
import { mergeConsentInputs } from "../../src/consent/merge";
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
});
