import { DurableObject } from "cloudflare:workers";
import type { ConsentPolicy } from "../src/config/types";
import { decideConsent, type DestinationRef } from "../src/consent/decide";
import { RETENTION_MS } from "../src/delivery/backoff";
import type { RelayEvent } from "../src/events/conversion";
import { clock } from "../src/platform/clock";
import { log } from "../src/platform/log";
import { deliverDue } from "./relay/deliver";
import { RelayStore, type EventFilter } from "./relay/store";
import { buildStats, type TenantStats } from "./relay/stats";
import { eventDetailView, eventView, type EventDetailView, type EventView } from "./relay/views";

export interface IngestPlan {
  tenantId: string;
  /** The tenant's enabled destinations at receipt; each gets one delivery. */
  destinations: DestinationRef[];
  policy: ConsentPolicy;
}

export interface IngestResult {
  status: "accepted" | "duplicate";
  id: string;
}

export interface PurgeReceipt {
  events: number;
  deliveries: number;
}

const TENANT_ID_KEY = "tenantId";

/**
 * One per tenant (SPEC §2): dedup index, stored hashed events, the delivery queue and log. Every
 * decision about an event happens here, in one strongly consistent place.
 */
export class TenantRelay extends DurableObject<Env> {
  readonly #store: RelayStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new RelayStore(ctx.storage);
    ctx.blockConcurrencyWhile(async () => this.#store.ensureSchema());
  }

  /**
   * Stores an event with one delivery per destination, or reports the duplicate. Runs without an
   * await between the dedup check and the insert, so concurrent duplicates cannot both pass.
   */
  async ingest(event: RelayEvent, plan: IngestPlan): Promise<IngestResult> {
    this.#store.ensureSchema();
    const now = clock.now();
    const dedupKey = `${event.sourceId}:${event.dedupKey}`;
    const existing = this.#store.findEventIdByDedupKey(dedupKey);
    if (existing) {
      this.#store.bumpCounter(now, "duplicate");
      return { status: "duplicate", id: existing };
    }

    const id = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
    const deliveries = plan.destinations.map((destination) => {
      const verdict = decideConsent(event.consent, destination, plan.policy);
      return { destinationId: destination.id, type: destination.type, ...verdict };
    });
    this.ctx.storage.kv.put(TENANT_ID_KEY, plan.tenantId);
    this.#store.insertEvent(
      {
        id,
        dedup_key: dedupKey,
        source_id: event.sourceId,
        order_id: event.orderId,
        received_at: now,
        expires_at: now + RETENTION_MS,
        body: JSON.stringify(event),
      },
      deliveries,
      now,
    );
    this.#store.bumpCounter(now, "received");
    for (const d of deliveries) {
      if (d.decision === "blocked") this.#store.bumpCounter(now, `blocked:${d.reason}`, d.destinationId);
    }
    await this.#rearm();
    return { status: "accepted", id };
  }

  async listEvents(filter: EventFilter): Promise<EventView[]> {
    this.#store.ensureSchema();
    return this.#store.listEvents(filter).map((e) => eventView(e, this.#store.deliveriesOf(e.id)));
  }

  async getEvent(id: string): Promise<EventDetailView | null> {
    this.#store.ensureSchema();
    const event = this.#store.getEvent(id);
    return event ? eventDetailView(event, this.#store.deliveriesOf(id)) : null;
  }

  /** Last 24 h: received, duplicates, outcomes and block reasons per destination, coverage. */
  async stats(): Promise<TenantStats> {
    this.#store.ensureSchema();
    const now = clock.now();
    const events = this.#store.listEvents({ since: now - RETENTION_MS, limit: 100_000 }).map((e) => JSON.parse(e.body) as RelayEvent);
    return buildStats(this.#store.counters(now - RETENTION_MS), events, 24);
  }

  /** Erases everything this tenant's object holds (tenant deletion), with a count of what went. */
  async purgeTenant(): Promise<PurgeReceipt> {
    this.#store.ensureSchema();
    const receipt = { events: this.#store.count("events"), deliveries: this.#store.count("deliveries") };
    // deleteAll also drops the tables and, at this compatibility date, the alarm.
    await this.ctx.storage.deleteAll();
    return receipt;
  }

  /**
   * Sends due deliveries and purges events past 24 h. It catches its own errors and always
   * re-arms: the platform's own alarm retries are few and short, a 24 h retry buffer needs more.
   */
  override async alarm(): Promise<void> {
    const now = clock.now();
    try {
      this.#store.ensureSchema();
      const tenantId = this.ctx.storage.kv.get<string>(TENANT_ID_KEY);
      if (tenantId) await deliverDue(this.env, this.#store, tenantId, now);
      const purged = this.#store.purgeExpired(clock.now());
      if (purged > 0) {
        this.#store.bumpCounter(now, "purged", "", purged);
        log.info("purge", { tenantId, purged });
      }
    } catch (err) {
      log.error("alarm_failed", { errorName: err instanceof Error ? err.name : "unknown" });
    } finally {
      await this.#rearm();
    }
  }

  async #rearm(): Promise<void> {
    const next = this.#store.nextWakeAt();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
