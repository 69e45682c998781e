import type { Region } from "../config/types";
import type { Decision } from "../consent/decide";
import type { LaneView } from "../delivery/lane";
import type { EventSourceUrlFrom } from "../destinations/meta/source-url";
import type { AdjustmentEvent } from "../events/adjustment";
import type { ClickIdName } from "../destinations/registry";
import type { ClickIds, ClientContext, ConsentInput, RelayEvent } from "../events/conversion";
import type { ConsentPlan } from "../pipeline/consent-plan";

/**
 * The TenantRelay Durable Object's RPC interface: every type that crosses between the Worker and
 * the object, in one place. The Worker reaches the object only through `tenantRelay()`
 * (./durable.ts) and these types, never through the object's internals.
 */

/**
 * `validated`: sent as test traffic (validateOnly, a Meta test event code), not recorded for attribution.
 * `processing`: accepted by an asynchronous API, its outcome not yet read (durable-objects/relay/poll-status.ts).
 * `not_supported`: an adjustment the destination's API cannot take (see durable-objects/relay/adjust.ts).
 */
export type DeliveryStatus =
  | "pending"
  | "processing"
  | "delivered"
  | "validated"
  | "failed"
  | "blocked"
  | "suppressed"
  | "expired"
  /** An adjustment (refund, cancellation) for a destination whose API has none (Meta). */
  | "not_supported";

/** `pending` while the event waits for its consent (a beacon under the same join key). */
export type StoredDecision = Decision | "pending";

/** What browser beacons left under a join key, combined across beacons. */
export interface BeaconSignal {
  consent?: ConsentInput;
  clickIds: ClickIds;
  client: ClientContext;
  /** `Sec-GPC: 1` on a beacon request for this join key. */
  gpc: boolean;
  /** Hashed subject keys of the click ids, by kind ("fbp" → "fbp:<sha256>"); see src/identity/subjects.ts. */
  clickSubjects?: Record<string, string>;
  /**
   * When the relay first saw each click id (epoch ms), kept across merged beacons while the id is
   * unchanged: Meta's `fbc` built from an fbclid carries the time the click was first observed
   * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/).
   */
  clickSeenAt?: Partial<Record<ClickIdName, number>>;
}

export interface IngestPlan extends ConsentPlan {
  tenantId: string;
  region: Region;
  /**
   * Set by a Worker that builds its own answer to the platform: the object then tells it when the
   * subject was withdrawn (IngestResult `withdrawn`). A Worker of an earlier release, still running
   * during a deploy, answered with the object's result as it came, so it is not told.
   */
  reportsWithdrawal?: true;
  /**
   * The tenant's own webhook quota, counted by the object (src/http/tenant-quota.ts). An object
   * of an earlier release ignores it during a deploy, and so never answers `rate_limited`.
   */
  webhookQuota?: number;
}

/** An adjustment as the Worker hands it over: no raw join key, only its hash. */
export interface AdjustmentInput extends Omit<AdjustmentEvent, "tenantId" | "joinKey"> {
  joinKeyHash?: string;
  /**
   * The order's subject keys ("order:<sha256>", "join:<sha256>"): a withdrawal or erasure of the
   * buyer reaches its refunds. Absent from a Worker of an earlier release, still running during a deploy.
   */
  subjectKeys?: string[];
}

/**
 * `withdrawn`: the event's subject was withdrawn (stored, every delivery suppressed); only for a
 * caller that asked (IngestPlan `reportsWithdrawal`). `dropped`:
 * its subject was erased, and nothing of it was stored. `rate_limited`: over the tenant's own
 * quota (IngestPlan `webhookQuota`), nothing stored; the platform is told when to try again.
 */
export type IngestResult =
  | { status: "accepted"; id: string; withdrawn?: true }
  | { status: "duplicate"; id: string }
  | { status: "dropped" }
  | { status: "gone" }
  | { status: "rate_limited"; retryAfterSeconds: number };

/** Rows of every table the object held when it was purged. */
export interface PurgeReceipt {
  events: number;
  deliveries: number;
  beacons: number;
  suppressions: number;
  eventSubjects: number;
  beaconSubjects: number;
  consentDenials: number;
  circuits: number;
  laneHolds: number;
  counters: number;
}

export interface WithdrawalResult {
  /** Deliveries that were still queued, held or retrying and will now never be sent. */
  suppressed: number;
  /** Stored events that matched the subject. */
  matchedEvents: number;
}

/** What became of a beacon: stored (deciding `decided` held events), or refused by a bound. */
export type BeaconResult =
  | { status: "stored"; decided: number; suppressed: number }
  | { status: "dropped" }
  | { status: "too_large" }
  | { status: "limit_reached" }
  | { status: "gone" };

export interface EventFilter {
  status?: DeliveryStatus;
  since?: number;
  orderId?: string;
  destinationId?: string;
  reason?: string;
  limit: number;
}

export interface DeliveryView {
  destinationId: string;
  type: string;
  decision: string;
  reason: string;
  status: string;
  attempts: number;
  nextAttemptAt?: string;
  lastError?: string;
  /** Meta: the fallback `event_source_url` came from (beacon `referrer` or `origin`); absent: the page URL, the tenant's `siteUrl`, or none. */
  eventSourceUrlFrom?: EventSourceUrlFrom;
}

export interface EventView {
  id: string;
  sourceId: string;
  orderId: string;
  /** `conversion`, or `adjustment` for a refund or cancellation of the order with this order id. */
  kind: "conversion" | "adjustment";
  /** On an adjustment: what it did to the order. */
  adjustment?: AdjustmentView;
  receivedAt: string;
  expiresAt: string;
  deliveries: DeliveryView[];
}

export interface AdjustmentView {
  type: "cancellation" | "refund";
  /** Full (retraction) or partial (restatement to `value`). */
  full: boolean;
  /** The order's net value after the adjustment. */
  value: number;
  currency: string;
  occurredAt: string;
  /** The original conversion's event id, while it is stored. */
  originalEventId?: string;
}

/** The detail view says which identifiers were present, never their values (hashed or raw). */
export interface EventDetailView extends EventView {
  eventName: string;
  occurredAt: string;
  /** The order's value now: its net after the refunds and cancellations so far. */
  value: number;
  /** The value the webhook carried, when a refund or cancellation has changed it since. */
  receivedValue?: number;
  currency: string;
  identifiers: Record<string, string[]>;
  clickIds: string[];
  consentSignals: string[];
  /** On a conversion: its refunds and cancellations, oldest first (each also an event of its own). */
  adjustments?: Array<AdjustmentView & { id: string }>;
}

export interface DestinationStats {
  delivered: number;
  /** Test traffic (validateOnly, a Meta test event code): accepted by the API, not recorded. */
  validated: number;
  failed: number;
  expired: number;
  suppressed: number;
  blocked: Record<string, number>;
  /** Refunds and cancellations to this destination, counted apart from conversions. */
  adjustments: AdjustmentStats;
  /** The lane's state now (configured destinations only). */
  lane?: LaneView;
}

export interface AdjustmentStats {
  delivered: number;
  validated: number;
  failed: number;
  expired: number;
  suppressed: number;
  /** Destinations whose API has no adjustments (Meta). */
  notSupported: number;
  blocked: Record<string, number>;
}

export interface TenantStats {
  windowHours: number;
  received: number;
  /** Refunds and cancellations received (not counted in `received`). */
  adjustments: number;
  duplicates: number;
  purged: number;
  /** Webhooks of an erased subject (a retry of the erased order, a new order), answered and not stored. */
  erasedDropped: number;
  destinations: Record<string, DestinationStats>;
  /** Share of the events still held (last 24 h) that carried each kind of identifier. */
  coverage: { events: number; email: number; phone: number; clickId: number; ipUserAgent: number };
  /** Outcomes per hour (UTC, `yyyy-mm-ddThh`), all destinations together, oldest first; hours without any are left out. */
  hourly: HourlyOutcomes[];
}

export interface HourlyOutcomes {
  hour: string;
  delivered: number;
  /** Test traffic the API accepted (validateOnly, a test event code): checked, never recorded. */
  validated: number;
  blocked: number;
  failed: number;
}

/** Bounds on what one beacon write may store (see MAX_BEACON_BYTES in the object). */
export interface BeaconLimits {
  maxBytes: number;
  maxBeacons: number;
}

/** The methods the Worker calls on a tenant's TenantRelay (Durable Object RPC). */
export interface TenantRelayApi {
  ingest(event: RelayEvent, plan: IngestPlan): Promise<IngestResult>;
  ingestAdjustment(adjustment: AdjustmentInput, plan: IngestPlan): Promise<IngestResult>;
  recordBeacon(joinHash: string, signal: BeaconSignal, plan: IngestPlan, limits?: BeaconLimits): Promise<BeaconResult>;
  withdraw(subjectKeys: string[]): Promise<WithdrawalResult>;
  eraseSubjects(subjectKeys: string[]): Promise<{ erasedEvents: number; erasedBeacons: number }>;
  listEvents(filter: EventFilter): Promise<EventView[]>;
  getEvent(id: string, siteUrl?: string): Promise<EventDetailView | null>;
  /**
   * Whether the event's raw capture may be kept: the event is still stored (not erased, purged or
   * deleted with the tenant) and its subject was not withdrawn.
   */
  keepsRawCapture(id: string): Promise<boolean>;
  replay(eventId: string): Promise<{ replayed: number } | null>;
  replayDestination(destinationId: string): Promise<{ replayed: number }>;
  resumeLane(destinationId: string): Promise<{ queued: number }>;
  laneState(destinationId: string): Promise<LaneView>;
  stats(destinationIds?: string[]): Promise<TenantStats>;
  purgeTenant(): Promise<PurgeReceipt>;
}
