import type { ClickIdField, ConsentRule, DestinationDefinition, DestinationSpec, IdentityFamilyDefinition } from "./definition";
import { googleAdsDestination } from "./google-ads";
import { googleDataManagerDestination } from "./google-data-manager";
import { metaDestination } from "./meta";
import { pinterestDestination } from "./pinterest";
import { tiktokDestination } from "./tiktok";

/**
 * Every destination, one line each. Adding one = its folder + a line here (+ its base-URL variable
 * in wrangler.toml); the rest of the relay derives what it needs from this list.
 */
const DEFINITIONS = [metaDestination, googleAdsDestination, googleDataManagerDestination, tiktokDestination, pinterestDestination] as const;

type Definition = (typeof DEFINITIONS)[number];
type SpecOf<D> = D extends DestinationDefinition<infer S> ? S : never;
type Specs = SpecOf<Definition>;

export type DestinationType = Specs["type"];
export type IdentityFamily = Specs["family"];
export type ClickIdName = Specs["clickId"];
export type ExplicitConsentFlag = Specs["consentFlag"];
/** Hashed identifiers per family, as stored on an event (only the families a tenant needs). */
export type HashedIdentity = { [S in Specs as S["family"]]?: S["hashed"] };

type DefinitionOf<T extends DestinationType> = Extract<Definition, { type: T }>;

/** One value per destination type, computed from its definition: an exhaustive record. */
function byType<V>(value: (d: Definition) => V): { readonly [T in DestinationType]: V } {
  return Object.fromEntries(DEFINITIONS.map((d) => [d.type, value(d)])) as unknown as { readonly [T in DestinationType]: V };
}

/** Definitions by type: an exhaustive record, so a lookup for a known type always finds one. */
export const destinationRegistry = Object.fromEntries(DEFINITIONS.map((d) => [d.type, d])) as {
  readonly [T in DestinationType]: DefinitionOf<T>;
};

/** The registry as the delivery loop reads it (adapters by type). */
export const destinationAdapters: { readonly [T in DestinationType]: DestinationDefinition<SpecOf<DefinitionOf<T>>> } = destinationRegistry;

export const DESTINATION_TYPES = DEFINITIONS.map((d) => d.type) as readonly DestinationType[];

/** The definition for a stored type, or undefined for one no longer known (fail closed). */
export function destinationDefinition(type: string): DestinationDefinition | undefined {
  return Object.hasOwn(destinationRegistry, type) ? (destinationRegistry[type as DestinationType] as DestinationDefinition) : undefined;
}

/** Consent rules by type: exhaustive, so a destination cannot be dispatched without one. */
export const CONSENT_RULES: { readonly [T in DestinationType]: ConsentRule<ExplicitConsentFlag> } = byType(
  (d) => d.consent as ConsentRule<ExplicitConsentFlag>,
);

/** The explicit consent fields of the consent object (`"meta": "granted"`), one per platform that has one. */
export const EXPLICIT_CONSENT_FLAGS: readonly ExplicitConsentFlag[] = [
  ...new Set(DEFINITIONS.flatMap((d) => (d.consent.explicitFlag === null ? [] : [d.consent.explicitFlag as ExplicitConsentFlag]))),
];

/** Identity families by name (shared families, like Google's, appear once). */
export const IDENTITY_FAMILIES = Object.fromEntries(DEFINITIONS.map((d) => [d.identity.family, d.identity])) as {
  readonly [F in IdentityFamily]: IdentityFamilyDefinition<F, NonNullable<HashedIdentity[F]>>;
};

/** Click ids and cookie values any destination reads, each once. */
export const CLICK_ID_FIELDS: readonly ClickIdField<ClickIdName>[] = [
  ...new Map(DEFINITIONS.flatMap((d) => d.clickIds as readonly ClickIdField<ClickIdName>[]).map((f) => [f.name, f])).values(),
];

/** Payload keys that carry identifiers, across destinations. */
export const REDACT_KEYS: ReadonlySet<string> = new Set(DEFINITIONS.flatMap((d) => d.redactKeys));

/** Credential field names per type, in the schema's order (what GET reports as `credentialsSet`). */
export const CREDENTIAL_FIELDS: { readonly [T in DestinationType]: readonly string[] } = byType((d) =>
  Object.keys(d.credentialsSchema.shape),
);

export type { DestinationSpec };
