/** Tenant configuration as kept in KV. Holds no personal data; secrets only encrypted. */
import type { DestinationType } from "../destinations/registry";
import type { SourceType } from "../sources/registry";

export type Region = "eu" | "us" | "global";
/** Derived from the source registry: a source type exists once it has a definition. */
export type { SourceType };
/** Derived from the destination definitions (src/destinations/registry.ts). */
export type { DestinationType } from "../destinations/registry";

export interface ConsentPolicy {
  googleOnDenied: "drop" | "send_denied_flag";
  /** CMP category or purpose id → destination ids it grants. */
  categoryMap: Record<string, string[]>;
  userRegion: "eea" | "us" | "other" | "auto";
  /** Whether a page's default grant counts outside the EEA (decision table row 4); off by default. */
  defaultsCountOutsideEea: boolean;
}

export const DEFAULT_CONSENT_POLICY: ConsentPolicy = {
  googleOnDenied: "drop",
  categoryMap: {},
  userRegion: "auto",
  defaultsCountOutsideEea: false,
};

/** AES-256-GCM ciphertext, see src/config/crypto.ts. */
export type Encrypted = string;

export interface SourceConfig {
  id: string;
  type: SourceType;
  secret: Encrypted;
  options: Record<string, unknown>;
  /**
   * Encrypted JSON of API credentials the relay uses to read from the platform (ROLLER's OAuth
   * client, for booking enrichment); absent when none were given.
   */
  credentials?: Encrypted;
  credentialFields?: string[];
  updatedAt: string;
}

export interface DestinationConfig {
  id: string;
  type: DestinationType;
  enabled: boolean;
  settings: Record<string, unknown>;
  /** Encrypted JSON object of credential fields; null when none were given. */
  credentials: Encrypted | null;
  /** Names of the credential fields that are set (shown by GET instead of values). */
  credentialFields: string[];
  updatedAt: string;
}

/** One tenant API key, stored only as its SHA-256; `id` is what the admin API shows and deletes by. */
export interface ApiKeyRecord {
  id: string;
  hash: string;
  createdAt: string;
}

/** A beacon signing key (src/beacons/keys.ts); `retiresAt` is set once a newer key replaced it. */
export interface BeaconKeyRecord {
  id: string;
  key: Encrypted;
  createdAt: string;
  retiresAt?: string;
}

export interface TenantConfig {
  id: string;
  name: string;
  region: Region;
  defaultCountry?: string;
  timezone?: string;
  /** The shop's https URL: Meta's `event_source_url` when no beacon gave one. */
  siteUrl?: string;
  allowedOrigins: string[];
  /** Keep each verified webhook body, encrypted, in R2 for troubleshooting (deleted with the event). */
  rawCapture?: boolean;
  /** How browser beacons prove they belong to a checkout; absent (older tenants) means "signed". */
  beaconAuth?: "signed" | "origin";
  /**
   * Verified webhooks a minute this tenant may send, below the relay-wide WEBHOOK_TENANT_RL; set
   * by the operator only (src/http/tenant-quota.ts). Absent: only the relay-wide limit applies.
   */
  webhookQuota?: number;
  /** Current beacon signing key first, then the previous one during its 24 h grace. */
  beaconKeys?: BeaconKeyRecord[];
  /**
   * SHA-256 hex of the tenant's first API key; the key itself is shown once. Kept equal to
   * `apiKeys[0].hash`, and the only key of tenants stored before `apiKeys` existed.
   */
  apiKeyHash: string;
  /** The tenant's API keys (at most two, during a rotation); see src/config/api-keys.ts. */
  apiKeys?: ApiKeyRecord[];
  consentPolicy: ConsentPolicy;
  sources: Record<string, SourceConfig>;
  destinations: Record<string, DestinationConfig>;
  createdAt: string;
  updatedAt: string;
}
