import { env } from "cloudflare:workers";
import { getTenant } from "../../../src/config/tenant-store";
import type { RelayEvent } from "../../../src/events/conversion";
import { consentPlan } from "../../../src/pipeline/consent-plan";
import { clock } from "../../../src/platform/clock";
import { createTenant } from "../../helpers/relay";

/** A new tenant and the ingest plan the Worker would hand its object. */
export async function tenantWithPlan(id: string) {
  await createTenant(id);
  const tenant = (await getTenant(env, id))!;
  return { tenant, plan: { tenantId: tenant.id, region: tenant.region, ...consentPlan(tenant) } };
}

/** A stored-form event as the Worker hands it over (hashed fields only). */
export function relayEvent(orderId: string, overrides: Partial<RelayEvent> = {}): RelayEvent {
  return {
    sourceId: "shop",
    dedupKey: `order:${orderId}`,
    orderId,
    eventName: "Purchase",
    occurredAt: clock.now() - 1000,
    value: 10,
    currency: "USD",
    items: [],
    clickIds: {},
    client: {},
    identity: {},
    subjectKeys: [`order:${orderId.padEnd(64, "0")}`],
    ...overrides,
  };
}
