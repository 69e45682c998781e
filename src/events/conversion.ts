import type { ClickIdName, ExplicitConsentFlag, HashedIdentity } from "../destinations/registry";

/**
 * The internal event model. A source adapter produces a `ConversionEvent` (raw user
 * data, never stored); identity hashing turns it into a `RelayEvent`, the only shape that reaches
 * the TenantRelay Durable Object.
 */

export interface CustomerData {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  externalId?: string;
}

/** Click ids and first-party cookie values, as the destination definitions declare them. */
export type ClickIds = { [Name in ClickIdName]?: string };

export interface ClientContext {
  ip?: string;
  userAgent?: string;
  pageUrl?: string;
  /** A beacon's `Referer` and verified `Origin`: fallbacks for Meta's `event_source_url`. */
  referrer?: string;
  origin?: string;
}

export interface LineItem {
  id: string;
  quantity: number;
  price?: number;
}

export type ConsentState = "granted" | "denied";

/** Every consent form a webhook or beacon may carry (README "Consent"). */
export type ConsentInput = ConsentSignals & ExplicitConsent;

/**
 * The explicit consent fields, one per platform whose definition names one (`"meta": "granted"`):
 * the user's choice for that platform as the tenant's CMP recorded it.
 */
export type ExplicitConsent = { [Flag in ExplicitConsentFlag]?: ConsentState };

export interface ConsentSignals {
  gcm?: Partial<Record<GcmType, ConsentState>>;
  gcmDefault?: Partial<Record<GcmType, ConsentState>>;
  gcd?: string;
  gcs?: string;
  tcf?: { tcString: string; gdprApplies?: boolean; addtlConsent?: string };
  gpp?: { gppString: string; applicableSections?: number[] };
  gpc?: boolean;
  categories?: Record<string, boolean>;
  /**
   * Consent fields that were present but unreadable (e.g. `"meta"`, `"categories.marketing"`,
   * `"consent"` for the whole object). Recorded, never dropped: they make a verdict ambiguous.
   */
  malformed?: string[];
}

export type GcmType = "ad_storage" | "ad_user_data" | "ad_personalization" | "analytics_storage";

export interface ConversionEvent {
  tenantId: string;
  sourceId: string;
  /** Provider-aware and stable across redeliveries. */
  dedupKey: string;
  /** The platform's delivery id; only recognises redeliveries. */
  deliveryId?: string;
  /** Sent as Meta `event_id` and Google `orderId`. */
  orderId: string;
  eventName: string;
  /** Conversion time from the source, epoch milliseconds; never "now". */
  occurredAt: number;
  value: number;
  currency: string;
  items: LineItem[];
  customer: CustomerData;
  clickIds: ClickIds;
  /** When a click id adopted from a beacon was first seen there (epoch ms), by kind. */
  clickSeenAt?: Partial<Record<ClickIdName, number>>;
  client: ClientContext;
  consent?: ConsentInput;
  joinKey?: string;
  /**
   * Other keys a later refund of this order may name it by (Stripe: `payment_intent:pi_…`, as a
   * `charge.refunded` knows the payment, not the Checkout Session).
   */
  orderAliases?: string[];
}

/** Meta `user_data` identifiers, normalized per Meta's rules and SHA-256 hex hashed. */
export interface MetaHashedUserData {
  em?: string[];
  ph?: string[];
  fn?: string[];
  ln?: string[];
  ct?: string[];
  st?: string[];
  zp?: string[];
  country?: string[];
  external_id?: string[];
}

/**
 * Google identifiers, normalized per Google's rules
 * (https://developers.google.com/data-manager/api/devguides/concepts/formatting) and SHA-256
 * hex hashed. Only what Google can use is kept: click conversions take email and phone alone, and
 * a Data Manager address needs the raw postal code, which is never stored.
 */
export interface GoogleHashedUserData {
  hashedEmail?: string;
  hashedPhoneNumber?: string;
}

/**
 * Hashed identifiers per destination family (derived from the destination definitions); raw
 * values never leave the Worker request.
 */
export type { HashedIdentity };

/**
 * What the Worker hands to TenantRelay: the event without raw user data — no customer fields and
 * no raw join key, only their hashes.
 */
export interface RelayEvent extends Omit<ConversionEvent, "tenantId" | "customer" | "joinKey"> {
  /** SHA-256 of the join key: enough to match a beacon, useless to anyone reading storage. */
  joinKeyHash?: string;
  identity: HashedIdentity;
  /** Hashed subject keys (see src/identity/subjects.ts) for withdrawal and erasure. */
  subjectKeys: string[];
  /** A lookup still to do before the first send; the source's `enrich` hook (src/sources/types.ts). */
  enrichment?: EnrichmentRequest;
  /** Set once a refund or cancellation took the whole order back (`value` then holds 0). */
  retracted?: boolean;
  /** The value the webhook carried, kept once a refund or cancellation changed `value` (the net). */
  receivedValue?: number;
}

/**
 * A lookup a source asks for when its webhook lacked identifiers (ROLLER: the booking detail when
 * there is no e-mail or phone). `kind` is the source's own name for it, `id` the platform's id of
 * the record to read. Only the source's `enrich` hook interprets it.
 */
export interface EnrichmentRequest {
  kind: string;
  id: string;
}
