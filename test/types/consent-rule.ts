/*
 * Compile-time proof that a destination cannot exist without a consent rule. `npm run typecheck`
 * (`tsc --noEmit`) checks this file: each `@ts-expect-error` must meet a type error, or the check
 * fails. test-node/consent-rule-types.test.ts compiles the same cases without the markers and
 * asserts the errors name the missing rule.
 */
import type { ConsentRule } from "../../src/destinations/definition";
import { metaDestination } from "../../src/destinations/meta";
import { CONSENT_RULES } from "../../src/destinations/registry";

const { consent: _rule, ...withoutRule } = metaDestination;

// @ts-expect-error a definition without `consent` is not a destination definition
export const definitionWithoutRule: typeof metaDestination = withoutRule;

// @ts-expect-error a rule must state every signal (here `mappedCategories` is left out)
export const ruleMissingASignal: ConsentRule<"example"> = { googleConsentMode: "never", explicitFlag: "example" };

// @ts-expect-error Google's signals cannot grant a destination that also names an explicit flag
export const ruleMixingSignals: ConsentRule<"example"> = { googleConsentMode: "grants", explicitFlag: "example", mappedCategories: "grant" };

// @ts-expect-error the dispatch table is exhaustive: every destination type needs its rule
export const rulesMissingOne: typeof CONSENT_RULES = { meta: CONSENT_RULES.meta, google_ads: CONSENT_RULES.google_ads };
