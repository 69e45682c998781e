import { rollerSource } from "./roller";
import { shopifySource } from "./shopify";
import { standardSource } from "./standard";
import { stripeSource } from "./stripe";
import type { SourceDefinition } from "./types";
import { wooCommerceSource } from "./woocommerce";

/**
 * Every source Sluice accepts webhooks from: adding one is a folder with its definition and a line
 * here. The source types, the admin schema and the pipeline are all derived from this list.
 */
const definitions = [standardSource, rollerSource, shopifySource, stripeSource, wooCommerceSource] as const;

/** `"standard" | "roller" | …`, the `type` of a configured source. */
export type SourceType = (typeof definitions)[number]["type"];

export const sourceDefinitions = Object.fromEntries(definitions.map((d) => [d.type, d])) as {
  readonly [T in SourceType]: SourceDefinition<T>;
};

/** The source types in registry order (the admin schema's enum). */
export const SOURCE_TYPES = definitions.map((d) => d.type) as [SourceType, ...SourceType[]];

/** The definition of a configured source's type, or undefined for a type no longer known. */
export function sourceDefinition(type: string): SourceDefinition | undefined {
  return Object.hasOwn(sourceDefinitions, type) ? sourceDefinitions[type as SourceType] : undefined;
}
