import type { z } from "zod";
import type { CustomerData } from "../events/conversion";
import type { HashMemo } from "../identity/hash";
import type { DestinationAdapter, ItemOutcome } from "./types";

/**
 * What one destination is, declared once in its own folder (`src/destinations/<type>/index.ts`)
 * and listed in `registry.ts`. Everything else (the admin PUT schema, the type union, credential
 * fields, redaction keys, consent dispatch, identity hashing, click-id fields of the beacon and the
 * standard source, sandbox emulators, test base URLs) is derived from these definitions.
 *
 * The type parameter names the few facts other modules need as types (see DestinationSpec); a
 * definition is annotated with it (`const x: DestinationDefinition<XSpec> = …`) rather than
 * inferred, so the event model can derive its types from the registry without a cycle.
 */
export interface DestinationSpec {
  /** The `type` of the admin API (`"meta"`, `"tiktok"`). */
  type: string;
  /** The identity family the destination reads (several destinations may share one). */
  family: string;
  /** The hashed identifiers of that family, as stored on the event. */
  hashed: object;
  /** Click ids and first-party cookie values the destination reads from `event.clickIds`. */
  clickId: string;
  /** The explicit consent field of the consent object that speaks for it, or `never`. */
  consentFlag: string;
}

/**
 * Which consent signals grant a destination. Every signal must be stated (a missing key, or a
 * definition without a rule, is a type error: see test/types/consent-rule.ts):
 * - `googleConsentMode`: Google Consent Mode (`gcm`, `gcmDefault`, `gcd`, `gcs`) and TCF read
 *   for Google's vendor 755. Only Google's own destinations may be granted by them.
 * - `explicitFlag`: the consent object's field recording the user's choice for this platform in
 *   the tenant's CMP (`"meta": "granted"`); null for destinations granted by Consent Mode.
 * - `mappedCategories`: CMP categories the tenant's `categoryMap` maps to the destination.
 * Common blocks (withdrawal, US opt-outs, invalid strings, a TCF refusal of purposes 1 or 7 for
 * non-Google destinations) apply whatever the rule says.
 */
export type ConsentRule<Flag extends string = string> =
  | { readonly googleConsentMode: "grants"; readonly explicitFlag: null; readonly mappedCategories: "grant" }
  | { readonly googleConsentMode: "never"; readonly explicitFlag: Flag; readonly mappedCategories: "grant" };

/**
 * The rule of a platform outside Google's consent signals (Meta, TikTok, Pinterest): only the
 * user's explicit choice for it in the tenant's CMP (`"<flag>": "granted"`) or a mapped category.
 * Google's signals never grant it, and Limited Data Use is no substitute for consent.
 */
export function explicitChoiceOnly<Flag extends string>(flag: Flag): ConsentRule<Flag> {
  return { googleConsentMode: "never", explicitFlag: flag, mappedCategories: "grant" };
}

/** Hashing for one identity family: its per-field normalizers and the hasher built on them. */
export interface IdentityFamilyDefinition<Family extends string = string, Hashed extends object = object> {
  family: Family;
  /** The family's documented per-field normalizers (pure; undefined = do not send). */
  normalize: Readonly<Record<string, (raw: string, country?: string) => string | undefined>>;
  /** Hashed identifiers for one customer; raw values stay in this call. */
  hash(customer: CustomerData, defaultCountry: string | undefined, memo?: HashMemo): Promise<Hashed>;
}

/** A click id or cookie value a destination reads, and where sources find it. */
export interface ClickIdField<Name extends string = string> {
  name: Name;
  /** The landing-page URL parameter carrying it (`ttclid`), if it is one. */
  urlParam?: string;
  /** The first-party cookie holding it (`_ttp`), which the checkout snippet reads. */
  cookie?: string;
  /** Names a checkout may store it under (cart attributes, order meta; cookie names such as `_ttp`). */
  aliases: readonly string[];
}

/**
 * A click id or cookie value as platforms name it: carried by the landing URL as `?<name>=`
 * and/or held in the first-party cookie `_<name>`; checkouts store it under either name.
 */
export function clickIdField<Name extends string>(name: Name, from: { urlParam?: true; cookie?: true }): ClickIdField<Name> {
  return {
    name,
    ...(from.urlParam ? { urlParam: name } : {}),
    ...(from.cookie ? { cookie: `_${name}` } : {}),
    aliases: [name, `_${name}`],
  };
}

/** What a delivery outcome means for the retry loop. */
export type RetryClass = ItemOutcome["status"];

export interface DestinationDefinition<S extends DestinationSpec = DestinationSpec> extends DestinationAdapter {
  type: S["type"];
  family: S["family"];
  /** Strict zod schema of `settings` in the admin PUT (defaults applied there). */
  settingsSchema: z.ZodType<Record<string, unknown>, unknown>;
  /** Strict zod object of the write-only credentials; its keys are the credential field list. */
  credentialsSchema: z.ZodObject<Record<string, z.ZodType<string, unknown>>>;
  consent: ConsentRule<S["consentFlag"]>;
  identity: IdentityFamilyDefinition<S["family"], S["hashed"]>;
  clickIds: readonly ClickIdField<S["clickId"]>[];
  /** Client context the payload carries (documentation and coverage; never hashed). */
  clientFields: readonly ("ip" | "userAgent" | "pageUrl")[];
  /** The operator variable (wrangler.toml `[vars]`) holding the API's base URL. */
  baseUrlVar: keyof Env & `${string}_${"API_BASE" | "URL"}`;
  /** Payload keys that carry identifiers: shown as "[redacted]" in dry-run and event views. */
  redactKeys: readonly string[];
  /**
   * The closed vocabulary of outcome codes the classifier returns, each with its retry class
   * (codes built from a vendor number, like `meta_190`, are listed by their pattern).
   */
  outcomes: Readonly<Record<string, RetryClass>>;
  /** The sandbox module that emulates the API (`npm start`, end-to-end tests) and where it is mounted. */
  emulator: { module: string; prefix: string };
}
