import type { TenantConfig } from "../config/types";
import { ApiError } from "../http/errors";

/**
 * The tenant's TenantRelay stub. EU tenants get their object in the EU jurisdiction; workerd
 * cannot emulate jurisdictions, so DO_JURISDICTION="none" switches that off locally, and a
 * deployed environment refuses EU tenants unless it is "eu" (fail closed).
 */
export function tenantRelay(env: Env, tenant: Pick<TenantConfig, "id" | "region">) {
  return relayNamespace(env, tenant.region).getByName(tenant.id);
}

export function relayNamespace(env: Env, region: TenantConfig["region"]) {
  if (region !== "eu") return env.TENANT_RELAY;
  if (env.DO_JURISDICTION === "eu") return env.TENANT_RELAY.jurisdiction("eu");
  if (env.ENVIRONMENT !== "dev") {
    throw new ApiError(503, "region_unavailable", 'EU tenants need DO_JURISDICTION="eu" in a deployed environment');
  }
  return env.TENANT_RELAY;
}

/** The R2 bucket in the tenant's jurisdiction. */
export function eventsBucket(env: Env, tenant: Pick<TenantConfig, "region">): R2Bucket {
  return tenant.region === "eu" ? env.EVENTS_EU : env.EVENTS;
}
