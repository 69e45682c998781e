import { destinationAdapters } from "../destinations/registry";
import type { IdentityFamily } from "../identity";
import type { ConsentPlan } from "./consent-plan";

/**
 * The identity families (normalizer + hasher) the planned destinations read: only these are
 * hashed, for a webhook's customer and for an enrichment's lookup alike.
 */
export function identityFamilies(plan: Pick<ConsentPlan, "destinations">): Set<IdentityFamily> {
  return new Set(plan.destinations.flatMap((d) => destinationAdapters[d.type]?.family ?? []));
}
