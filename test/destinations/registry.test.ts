// Properties every destination definition must have, checked over the whole registry: a new
// destination is covered by adding it there, without editing this file.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { putDestinationSchema } from "../../src/config/destination-schema";
import { decideConsent } from "../../src/consent/decide";
import { readConsentInput } from "../../src/consent/schema";
import { CONSENT_RULES, DESTINATION_TYPES, EXPLICIT_CONSENT_FLAGS, destinationRegistry } from "../../src/destinations/registry";
import { redactIdentifiers } from "../../src/routes/admin/redact-payload";
import { GOOGLE_SIGNALS_GRANTED, policy } from "../consent/fixtures";

const definitions = DESTINATION_TYPES.map((type) => destinationRegistry[type]);

describe("destination registry", () => {
  it("has one definition per type, each with a rule, a base URL variable and an emulator", () => {
    expect(new Set(DESTINATION_TYPES).size).toBe(DESTINATION_TYPES.length);
    for (const d of definitions) {
      expect(CONSENT_RULES[d.type]).toBe(d.consent);
      expect(typeof (env as unknown as Record<string, unknown>)[d.baseUrlVar]).toBe("string");
      expect(d.emulator.prefix).toMatch(/^\/[a-z-]+$/);
      expect(d.maxBatchSize).toBeGreaterThan(0);
    }
  });

  it("derives the admin PUT schema: every type is accepted with its own settings only", () => {
    for (const d of definitions) {
      const parsed = putDestinationSchema.safeParse({ type: d.type, settings: { notASetting: true } });
      expect(parsed.success).toBe(false);
      expect(JSON.stringify(parsed.error?.issues)).toContain("notASetting");
    }
    expect(putDestinationSchema.safeParse({ type: "unknown_platform", settings: {} }).success).toBe(false);
  });

  it("never lets Google's signals alone grant a destination that is not Google's", () => {
    const others = definitions.filter((d) => d.consent.googleConsentMode === "never");
    expect(others.length).toBeGreaterThan(0);
    for (const d of others) {
      const verdict = decideConsent(GOOGLE_SIGNALS_GRANTED, { id: d.type, type: d.type }, policy());
      expect(verdict, d.type).toEqual({ decision: "blocked", reason: `${d.consent.explicitFlag}_consent_missing` });
    }
  });

  it("grants a destination with an explicit flag by that flag or a mapped category, and by nothing else", () => {
    for (const d of definitions) {
      const flag = d.consent.explicitFlag;
      if (flag === null) continue;
      const ref = { id: `dest-${d.type}`, type: d.type };
      expect(decideConsent(readConsentInput({ [flag]: "granted" }), ref, policy())).toEqual({
        decision: "send",
        reason: `${flag}_granted`,
      });
      expect(decideConsent(readConsentInput({ [flag]: "denied" }), ref, policy())).toEqual({
        decision: "blocked",
        reason: `${flag}_denied`,
      });
      expect(decideConsent(readConsentInput({ [flag]: "yes" }), ref, policy())).toEqual({
        decision: "blocked",
        reason: "consent_malformed",
      });
      const mapped = policy({ categoryMap: { marketing: [ref.id] } });
      expect(decideConsent({ categories: { marketing: true } }, ref, mapped)).toEqual({ decision: "send", reason: "category_granted" });
      // Another platform's flag says nothing about this one.
      for (const other of EXPLICIT_CONSENT_FLAGS.filter((f) => f !== flag)) {
        expect(decideConsent(readConsentInput({ [other]: "granted" }), ref, policy()).decision).toBe("blocked");
      }
    }
  });

  it("fails closed for a stored type the relay no longer knows", () => {
    const ref = { id: "gone", type: "retired_platform" } as unknown as { id: string; type: "meta" };
    expect(decideConsent({ meta: "granted", gcm: { ad_user_data: "granted" } }, ref, policy())).toEqual({
      decision: "blocked",
      reason: "destination_type_unknown",
    });
  });

  it("redacts every key a definition lists", () => {
    for (const d of definitions) {
      const payload = Object.fromEntries(d.redactKeys.map((k) => [k, "raw-value"]));
      expect(
        Object.values(redactIdentifiers(payload) as Record<string, unknown>).every((v) => v === "[redacted]"),
        d.type,
      ).toBe(true);
    }
  });
});
