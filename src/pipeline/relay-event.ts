import type { TenantConfig } from "../config/types";
import type { ConversionEvent, RelayEvent } from "../events/conversion";
import { hashIdentity, type IdentityFamily } from "../identity";
import { newHashMemo } from "../identity/hash";
import { hashOpaque, subjectKeys } from "../identity/subjects";

/** Drops the raw user data: only hashed identifiers travel on to the Durable Object. */
export async function toRelayEvent(
  event: ConversionEvent,
  tenant: Pick<TenantConfig, "defaultCountry">,
  families: ReadonlySet<IdentityFamily>,
): Promise<RelayEvent> {
  const { tenantId: _tenantId, customer, joinKey, ...rest } = event;
  // Every family and the subject keys read the phone and hash the same values: each is parsed
  // and hashed once per webhook.
  const memo = newHashMemo();
  const [identity, subjects, joinKeyHash] = await Promise.all([
    hashIdentity(customer, { defaultCountry: tenant.defaultCountry, families, memo }),
    subjectKeys({ ...customer, clickIds: event.clickIds, orderId: event.orderId, joinKey }, tenant.defaultCountry, memo),
    hashOpaque(joinKey, memo),
  ]);
  return { ...rest, identity, subjectKeys: subjects, ...(joinKeyHash ? { joinKeyHash } : {}) };
}
