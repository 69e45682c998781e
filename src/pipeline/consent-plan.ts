import type { ConsentPolicy, TenantConfig } from "../config/types";
import type { DestinationRef } from "../consent/decide";

/** The destinations an event is decided and delivered for, and the tenant's consent policy. */
export interface ConsentPlan {
  destinations: DestinationRef[];
  policy: ConsentPolicy;
}

/**
 * The one consent plan, for webhooks, beacons, the end of a consent hold and replays alike: the
 * tenant's enabled destinations only. A destination with `enabled: false` receives nothing, so it
 * is neither planned at ingest nor decided later for an event that waited, nor resent by a replay.
 */
export function consentPlan(tenant: Pick<TenantConfig, "destinations" | "consentPolicy">): ConsentPlan {
  return {
    destinations: Object.values(tenant.destinations)
      .filter((d) => d.enabled)
      .map((d) => ({ id: d.id, type: d.type })),
    policy: tenant.consentPolicy,
  };
}
