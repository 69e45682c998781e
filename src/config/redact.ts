import { apiKeyRecords } from "./api-keys";
import type { DestinationConfig, SourceConfig, TenantConfig } from "./types";

/**
 * The only way config leaves the admin API. Views are built field by field from an allowlist,
 * so a field added to the stored config later (a new secret, a hash) stays private by default.
 */

export interface SourceView {
  id: string;
  type: SourceConfig["type"];
  options: Record<string, unknown>;
  secretSet: boolean;
  credentialsSet: string[];
  updatedAt: string;
}

export interface DestinationView {
  id: string;
  type: DestinationConfig["type"];
  enabled: boolean;
  settings: Record<string, unknown>;
  credentialsSet: string[];
  updatedAt: string;
}

export function sourceView(source: SourceConfig): SourceView {
  return {
    id: source.id,
    type: source.type,
    options: source.options,
    secretSet: typeof source.secret === "string" && source.secret.length > 0,
    credentialsSet: source.credentials ? [...(source.credentialFields ?? [])] : [],
    updatedAt: source.updatedAt,
  };
}

export function destinationView(destination: DestinationConfig): DestinationView {
  return {
    id: destination.id,
    type: destination.type,
    enabled: destination.enabled,
    settings: destination.settings,
    credentialsSet: destination.credentials ? [...destination.credentialFields] : [],
    updatedAt: destination.updatedAt,
  };
}

export function tenantView(tenant: TenantConfig) {
  return {
    id: tenant.id,
    name: tenant.name,
    region: tenant.region,
    defaultCountry: tenant.defaultCountry ?? null,
    timezone: tenant.timezone ?? null,
    siteUrl: tenant.siteUrl ?? null,
    allowedOrigins: tenant.allowedOrigins,
    rawCapture: tenant.rawCapture ?? false,
    // Never the key itself: only the mode and whether a key is set.
    beaconAuth: tenant.beaconAuth ?? "signed",
    beaconKeySet: (tenant.beaconKeys ?? []).length > 0,
    webhookQuota: tenant.webhookQuota ?? null,
    // Key ids and dates only, never a key or its hash.
    apiKeys: apiKeyRecords(tenant).map((k) => ({ id: k.id, createdAt: k.createdAt })),
    consentPolicy: tenant.consentPolicy,
    sources: Object.values(tenant.sources).map(sourceView),
    destinations: Object.values(tenant.destinations).map(destinationView),
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

export type TenantView = ReturnType<typeof tenantView>;
