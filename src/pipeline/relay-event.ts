import type { TenantConfig } from "../config/types";
import type { ConversionEvent, RelayEvent } from "../events/conversion";
import { hashIdentity, type IdentityFamily } from "../identity";
import type { PhoneReadings } from "../identity/phone";
import { hashOpaque, subjectKeys } from "../identity/subjects";

/** Drops the raw user data: only hashed identifiers travel on to the Durable Object. */
export async function toRelayEvent(
  event: ConversionEvent,
  tenant: Pick<TenantConfig, "defaultCountry">,
  families: ReadonlySet<IdentityFamily>,
): Promise<RelayEvent> {
  const { tenantId: _tenantId, customer, joinKey, ...rest } = event;
  // Every family and the subject keys read the phone: parsed once per webhook.
  const phones: PhoneReadings = new Map();
  const [identity, subjects, joinKeyHash] = await Promise.all([
    hashIdentity(customer, { defaultCountry: tenant.defaultCountry, families, phones }),
    subjectKeys({ ...customer, clickIds: event.clickIds, orderId: event.orderId, joinKey }, tenant.defaultCountry, phones),
    hashOpaque(joinKey),
  ]);
  return { ...rest, identity, subjectKeys: subjects, ...(joinKeyHash ? { joinKeyHash } : {}) };
}
