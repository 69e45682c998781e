import type { TenantConfig } from "../config/types";
import type { ConsentPlan } from "../../durable-objects/relay/consent-gate";

/** The tenant's enabled destinations and consent policy, handed to TenantRelay with an event. */
export function enabledDestinations(tenant: TenantConfig): ConsentPlan {
  return {
    destinations: Object.values(tenant.destinations)
      .filter((d) => d.enabled)
      .map((d) => ({ id: d.id, type: d.type })),
    policy: tenant.consentPolicy,
  };
}
