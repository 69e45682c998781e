import type { DestinationConfig, TenantConfig } from "../config/types";
import type { DestinationAdapter } from "./types";

/**
 * The settings an adapter works with, for sending and for the dry-run alike: the tenant-wide ones
 * (timezone, siteUrl, the consent policy's userRegion), the operator's API version for the destination type, then the
 * destination's own, which win: a tenant that pins `apiVersion` keeps it. The operator's version
 * is never written into stored settings, so raising it moves every unpinned tenant at once.
 */
export function effectiveSettings(
  env: Env,
  tenant: TenantConfig,
  config: DestinationConfig,
  adapter: DestinationAdapter,
): Record<string, unknown> {
  const operatorVersion = adapter.apiVersionVar ? env[adapter.apiVersionVar] : undefined;
  return {
    ...(tenant.timezone ? { timezone: tenant.timezone } : {}),
    ...(tenant.siteUrl ? { siteUrl: tenant.siteUrl } : {}),
    // Where the tenant's users are: some fields may be sent only outside the EEA, UK and CH.
    userRegion: tenant.consentPolicy.userRegion,
    ...(typeof operatorVersion === "string" && operatorVersion !== "" ? { apiVersion: operatorVersion } : {}),
    ...config.settings,
  };
}
