import { DurableObject } from "cloudflare:workers";
import { countWebhook, type QuotaWindow } from "../src/http/tenant-quota";
import { getTenant } from "../src/config/tenant-store";
import type { Region, TenantConfig } from "../src/config/types";
import { eventsBucket } from "../src/platform/durable";
import { deleteRawCaptures } from "../src/storage/raw-capture";
import { RETENTION_MS } from "../src/delivery/backoff";
import { CLOSED } from "../src/delivery/circuit";
import { laneView, type LaneView } from "../src/delivery/lane";
import { isAdjustment, type RelayAdjustment } from "../src/events/adjustment";
import type { RelayEvent } from "../src/events/conversion";
import { destinationAdapters } from "../src/destinations/registry";
import { adjustmentReplayTargets, isFullAfter, netValueAfter, planAdjustment, valueInRefundCurrency } from "./relay/adjust";
import { clock } from "../src/platform/clock";
import { configureLogging, log } from "../src/platform/log";
import {
  decideDeliveries,
  mergeBeacons,
  planDeliveries,
  refusedBy,
  suppressedDeliveries,
  takenBackByBeacon,
  unreadableStandIn,
  withBeacon,
  type DenialMap,
} from "../src/pipeline/consent-gate";
import { consentPlan, type ConsentPlan } from "../src/pipeline/consent-plan";
import type {
  AdjustmentInput,
  BeaconLimits,
  BeaconResult,
  BeaconSignal,
  EventDetailView,
  EventFilter,
  EventView,
  IngestPlan,
  IngestResult,
  PurgeReceipt,
  TenantRelayApi,
  TenantStats,
  WithdrawalResult,
} from "../src/platform/relay-rpc";
import { busyLaneWakeAt, deliverDue, expireOverdue, retryScale, type BusyLanes, type LanePaces } from "./relay/deliver";
import { pollRequestStatuses } from "./relay/poll-status";
import { enrichDue } from "./relay/enrich";
import { flushAggregates } from "./relay/aggregates";
import { buildStats } from "./relay/stats";
import { newEventRow, RelayStore } from "./relay/store";
import { isOrderSubject } from "../src/identity/subjects";
import type { NewDelivery } from "../src/pipeline/consent-gate";
import { meteredState, meterOf, type StorageCounts } from "./relay/meter";
import { timeStages, type StageTimings } from "../src/bench/stage-timer";
import { eventDetailView, eventView } from "./relay/views";
import { newEventId } from "./relay/event-id";
import { GroupCommit, type Settled } from "./relay/group-commit";
import { GroupWrites } from "./relay/group-writes";

/**
 * Bounds on what beacons may store (issue: 250 forged beacons grew one object to 34 MB). One join
 * key's combined beacon is at most 4 KiB of JSON; a tenant holds at most 100,000 join keys' beacons
 * at once (24 h each), about 400 MiB at worst, far inside a Durable Object's 10 GB.
 */
export const MAX_BEACON_BYTES = 4096;
export const MAX_BEACONS_PER_TENANT = 100_000;

const noMark = (_stage: string): void => {};

/** An ingest waiting for its flush. */
interface PendingIngest {
  received: RelayEvent;
  plan: IngestPlan;
}

/** One event decided and written by #admit, and the work it leaves for the alarm ("rearm": re-read the tables). */
interface Admitted {
  result: IngestResult;
  arm: { deliveries: NewDelivery[]; expiresAt: number } | "rearm" | null;
}

/**
 * Alarm runs are at least this far apart, so that under load each run sends what arrived in the
 * meantime as one batch per destination (one Meta request per ~500 events at 1,000/s) instead of
 * one request per event; a quiet object still sends its first event at once. Deliveries are still sent
 * within about a second of receipt.
 */
export const BATCH_WINDOW_MS = 500;

const TENANT_ID_KEY = "tenantId";
const REGION_KEY = "region";
const FLUSHED_HOUR_KEY = "aggregatesFlushedHour";
/** Ids of events whose raw captures could not be deleted yet (see #deleteCaptures). */
const CAPTURES_LEFT_KEY = "capturesLeft";
const MAX_CAPTURES_LEFT = 10_000;
/** How soon an alarm run tries the captures left again. */
const CAPTURE_RETRY_MS = 60_000;
/** Set when the tenant is deleted and kept through the purge: the object then refuses all writes. */
const DELETED_AT_KEY = "deletedAt";

/**
 * One per tenant: dedup index, stored hashed events, consent signals, suppressions, the
 * delivery queue and log. Every decision about an event happens here, in one strongly consistent
 * place.
 */
export class TenantRelay extends DurableObject<Env> implements TenantRelayApi {
  readonly #store: RelayStore;
  /** Destination lanes still sending (see deliverDue); a busy lane is not started twice. */
  readonly #lanes: BusyLanes = new Map();
  /** Paced lanes' request budgets (see deliverDue), and when a waiting one sends next. */
  readonly #paces: LanePaces = new Map();
  /** When the alarm is set for, as this object last set it; undefined until read once, null for none. */
  #alarmAt: number | null | undefined;
  /** When the last alarm run started (clock time). */
  #lastRunAt = Number.NEGATIVE_INFINITY;
  /** Whether the tenant was deleted (see #deleted). */
  #tombstoned: boolean | undefined;
  /** `tenantId/region` as last written by #remember. */
  #remembered: string | undefined;
  /**
   * This minute's count against the tenant's own webhook quota. In memory: a restarted object
   * starts a new minute, so at most one more minute's quota gets through (README, "Request limits").
   */
  #quotaWindow: QuotaWindow | undefined;
  /** Ingests waiting for the next flush (relay/group-commit.ts). */
  readonly #ingests = new GroupCommit<PendingIngest, Admitted, IngestResult>(
    (items) => this.#writeGroup(items),
    async (written) => {
      await this.#armAfter(written.flatMap((a) => (a.ok ? [a.value] : [])));
      return written.map((a) => (a.ok ? { ok: true, value: a.value.result } : a));
    },
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    configureLogging(env.LOG_LEVEL);
    // The benchmark (BENCH_PROFILE = "1") counts storage operations; otherwise the state is the real one.
    if (env.BENCH_PROFILE === "1") Object.defineProperty(this, "ctx", { value: meteredState(ctx, true) });
    this.#store = new RelayStore(this.ctx.storage);
    this.ctx.blockConcurrencyWhile(async () => this.#store.ensureSchema());
  }

  /**
   * Stores an event with one delivery per destination, or reports the duplicate. Ingests that
   * arrive together are decided and written in one synchronous pass and one commit (see
   * relay/group-commit.ts); there is no await between an event's dedup check and its insert, so
   * concurrent duplicates cannot both pass.
   */
  async ingest(received: RelayEvent, plan: IngestPlan): Promise<IngestResult> {
    return this.#overQuota(plan) ?? this.#ingests.submit({ received, plan });
  }

  /** Counts a verified webhook against the tenant's own quota; the answer when it is over it. */
  #overQuota(plan: IngestPlan): IngestResult | undefined {
    const verdict = countWebhook(this.#quotaWindow, plan.webhookQuota, clock.now());
    this.#quotaWindow = verdict.window;
    return verdict.admitted ? undefined : { status: "rate_limited", retryAfterSeconds: verdict.retryAfterSeconds };
  }

  /** Benchmark only (BENCH_PROFILE = "1"): storage operations counted since the last reset. */
  async benchStorageCounts(reset = false): Promise<StorageCounts | null> {
    return meterOf(this.ctx)?.read(reset) ?? null;
  }

  /** Benchmark only: an RPC that carries an event and does nothing (the call's own cost). */
  async benchPing(_event: RelayEvent): Promise<boolean> {
    return true;
  }

  /**
   * Benchmark only (BENCH_PROFILE = "1"): `n` ingests of `received` under fresh dedup keys, one
   * per transaction, with the time spent in each stage of the write path (see relay/stage-timer.ts).
   */
  async benchProfileIngest(received: RelayEvent, plan: IngestPlan, n: number): Promise<StageTimings | null> {
    if (this.env.BENCH_PROFILE !== "1") return null;
    return timeStages(n, async (i, mark) => {
      this.#store.ensureSchema();
      mark("schema_check");
      const one = { received: { ...received, dedupKey: `${received.dedupKey}-${i}` }, plan };
      await this.#armAfter(this.#admitTogether([one], clock.now(), mark));
      mark("alarm_scheduling");
    });
  }

  /**
   * The ingests that arrived together, written synchronously: all in one transaction; if any
   * throws (the group is then rolled back as a whole), each again in a transaction of its own, so
   * that only the failing request fails. The alarm is then set once for the group (#armAfter),
   * before anyone is answered.
   */
  #writeGroup(items: PendingIngest[]): Settled<Admitted>[] {
    if (this.#deleted()) return items.map(() => ({ ok: true, value: { result: { status: "gone" }, arm: null } }));
    this.#store.ensureSchema();
    const now = clock.now();
    try {
      return this.#admitTogether(items, now, noMark).map((value) => ({ ok: true, value }));
    } catch {
      return items.map((item): Settled<Admitted> => {
        try {
          return { ok: true, value: this.#admitTogether([item], now, noMark)[0]! };
        } catch (error) {
          return { ok: false, error };
        }
      });
    }
  }

  /** Decides `items` in order (#admit) and writes them in one transaction. */
  #admitTogether(items: PendingIngest[], now: number, mark: (stage: string) => void): Admitted[] {
    return this.#transaction(() => {
      const writes = new GroupWrites();
      const admitted = items.map(({ received, plan }) => this.#admit(received, plan, now, mark, writes));
      writes.writeTo(this.#store, now);
      mark("insert_transaction");
      return admitted;
    });
  }

  /**
   * Decides and writes one event, synchronously (inside the caller's transaction): the dedup
   * check, consent and suppression, earlier refunds, then the event with its subjects, aliases,
   * deliveries. Its rows and counters go to `writes`, which the caller writes at the end of the
   * group in the same transaction. Returns what the alarm needs to know.
   */
  #admit(received: RelayEvent, plan: IngestPlan, now: number, mark: (stage: string) => void, writes: GroupWrites): Admitted {
    const dedupKey = `${received.sourceId}:${received.dedupKey}`;
    // A redelivery of an event of this same group: written first, so the tables answer for it below.
    if (writes.isWaiting(dedupKey)) writes.writeTo(this.#store, now);
    const { existingId: existing, adjustments: earlierRows } = this.#store.conversionLookup(dedupKey);
    mark("dedup_lookup");
    if (existing) {
      writes.count("duplicate");
      // A redelivery whose consent now refuses is a withdrawal for what is still pending.
      this.#refusedByWebhook(received, [existing], plan, now, writes);
      // Re-armed from the tables: a platform's retry after an answer lost with its alarm repairs it.
      return { result: { status: "duplicate", id: existing }, arm: "rearm" };
    }

    const beacon = this.#beacon(received.joinKeyHash, now);
    const event = withBeacon(received, beacon);
    // The suppression list is checked at enqueue: a withdrawn subject is never queued, and of an
    // erased one nothing is stored again (a platform's retry of the erased order, a new order).
    const suppression = this.#store.suppressionOf(event.subjectKeys, now);
    if (suppression === "erased") {
      // Its order goes with it: the order's keys join the erased ones (a later refund of it is
      // dropped too), and its refunds that came first (they name only the order) are not sent.
      this.#store.suppressOrder(
        event.subjectKeys,
        earlierRows.map((row) => row.id),
        now,
        true,
      );
      writes.count("erased_dropped");
      return { result: { status: "dropped" }, arm: null };
    }
    // A refusal in a new webhook's own consent sticks for its checkout, as a beacon's does: no
    // later grant under the join key sends its next order. (Without a join key it concerns this
    // event alone, which its own consent already blocks.)
    if (received.joinKeyHash !== undefined) this.#refusedByWebhook(received, [], plan, now, writes);
    const withdrawn = suppression === "withdrawn";
    let deliveries = withdrawn
      ? suppressedDeliveries(plan)
      : planDeliveries(event, beacon, plan, now, this.#denials(event.joinKeyHash, undefined, now));
    // A withdrawn buyer's order is withdrawn with it: its refunds that came first (they name only
    // the order) are not sent, and its keys refuse later ones and a replay.
    if (withdrawn) {
      this.#store.suppressOrder(
        event.subjectKeys,
        earlierRows.map((row) => row.id),
        now,
        false,
      );
    }
    // A refund or cancellation that came first (webhooks arrive in any order) applies at once.
    const earlier = earlierRows.map((row) => JSON.parse(row.body) as RelayAdjustment);
    if (earlier.length > 0) event.receivedValue = event.value;
    const net = earlier.reduce(
      (value, a) =>
        netValueAfter(
          { full: a.adjustment.full, refundedValue: a.adjustment.refundedValue },
          valueInRefundCurrency(value, event.currency, a.currency),
        ) ?? value,
      event.value,
    );
    // Refunds that came first and add up to the whole order take it back as a cancellation does.
    const cancelled =
      earlier.length > 0 &&
      isFullAfter(
        net,
        earlier.some((a) => a.adjustment.full),
      );
    if (cancelled) {
      event.value = 0;
      event.retracted = true;
      deliveries = deliveries.map((d) =>
        d.status === "pending" ? { ...d, reason: "order_cancelled", status: "suppressed", nextAttemptAt: null } : d,
      );
    } else if (earlier.length > 0) {
      event.value = net;
    }
    mark("consent_and_plan");

    const id = newEventId(now);
    this.#remember(plan);
    mark("tenant_marks");
    writes.addEvent({
      row: newEventRow(id, dedupKey, event, now),
      deliveries,
      subjectKeys: event.subjectKeys,
      aliases: (event.orderAliases ?? []).map((alias) => `${event.sourceId}:${alias}`),
    });
    writes.count("received");
    for (const d of deliveries) {
      if (d.status === "blocked") writes.count(`blocked:${d.reason}`, d.destinationId);
      if (d.status === "suppressed") writes.count("suppressed", d.destinationId);
    }
    return {
      result: { status: "accepted", id, ...(withdrawn && plan.reportsWithdrawal ? { withdrawn } : {}) },
      arm: { deliveries, expiresAt: now + RETENTION_MS },
    };
  }

  /**
   * What a webhook's own consent refuses is recorded for its join key and these events, and what
   * waits under them is suppressed (#revoke); the events of this group that wait to be written are
   * written first, so the refusal reaches them too.
   */
  #refusedByWebhook(received: RelayEvent, eventIds: string[], plan: IngestPlan, now: number, writes: GroupWrites): void {
    const refused = refusedBy(received.consent, false, plan, now);
    if (refused.length === 0) return;
    writes.writeTo(this.#store, now);
    this.#revoke(received.joinKeyHash ? [received.joinKeyHash] : [], eventIds, refused, now, plan.tenantId);
  }

  /** After a flush: a full re-arm if there was a duplicate, otherwise the earliest new work (#armFor). */
  async #armAfter(admitted: Admitted[]): Promise<void> {
    if (admitted.some((a) => a.arm === "rearm")) return this.#rearm();
    const work = admitted.flatMap((a) => (a.arm && a.arm !== "rearm" ? [a.arm] : []));
    if (work.length === 0) return;
    let expiresAt = Number.POSITIVE_INFINITY;
    for (const w of work) expiresAt = Math.min(expiresAt, w.expiresAt);
    await this.#armFor(
      work.flatMap((w) => w.deliveries),
      expiresAt,
    );
  }

  /**
   * After an ingest: the alarm moves only if this event's work is due before the alarm already
   * set (one `setAlarm` per batch window, not per event). The invariant it keeps: whenever there
   * is work, an alarm is set no later than it; every run re-arms from the tables in full (#rearm).
   */
  async #armFor(deliveries: NewDelivery[], expiresAt: number): Promise<void> {
    let due = expiresAt;
    for (const d of deliveries) {
      // A busy lane re-arms when it finishes (deliverDue's onLaneDone).
      if (d.status !== "pending" || d.nextAttemptAt === null || this.#lanes.has(d.destinationId)) continue;
      // A paced lane that waits sends this one with its next request (its rows are postponed to then).
      due = Math.min(due, Math.max(d.nextAttemptAt, this.#paces.get(d.destinationId)?.waitUntil ?? 0));
    }
    const at = Math.max(due, this.#lastRunAt + BATCH_WINDOW_MS);
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    await this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }

  /**
   * A refund or cancellation of an order (see relay/adjust.ts for where it goes). Stored as an
   * event of its own under the original's order id, deduplicated by order and adjustment key.
   * While the original waits to be sent, a full adjustment suppresses it (`order_cancelled`) and a
   * partial one rewrites the value it will be sent with. Runs without an await until stored.
   */
  async ingestAdjustment(received: AdjustmentInput, plan: IngestPlan): Promise<IngestResult> {
    const overQuota = this.#overQuota(plan);
    if (overQuota) return overQuota;
    // An order still waiting in a group is written first: the refund must find it.
    this.#ingests.drain();
    if (this.#deleted()) return { status: "gone" };
    this.#store.ensureSchema();
    const now = clock.now();
    const original = this.#store.findOrder(`${received.sourceId}:${received.orderKey}`);
    const adjusts = original?.dedup_key ?? `${received.sourceId}:${received.orderKey}`;
    const dedupKey = `${adjusts}#${received.kind}:${received.adjustmentKey}`;
    const existing = this.#store.findEventIdByDedupKey(dedupKey);
    if (existing) {
      this.#store.bumpCounter(now, "duplicate");
      return { status: "duplicate", id: existing };
    }

    const stored = original ? (JSON.parse(original.body) as RelayEvent) : undefined;
    // The order's keys (its order id, its join key), its own and its original's: what a withdrawal
    // or erasure of the buyer finds it by. The buyer's identifiers stay on the original alone, so
    // they are gone with it 24 h after the purchase.
    // A Worker of the previous release (during a deploy) hands over no keys of its own: the join
    // key's hash it does hand over stands in (the order id's hash is on the original, if stored).
    const ownKeys = received.subjectKeys ?? (received.joinKeyHash ? [`join:${received.joinKeyHash}`] : []);
    const subjects = [...new Set([...ownKeys, ...(stored?.subjectKeys ?? []).filter(isOrderSubject)])];
    // A withdrawn buyer's order is not sent on: not by its keys, nor by the original's identifiers.
    // Of an erased one, nothing is stored again.
    const suppression = this.#store.suppressionOf([...subjects, ...(stored?.subjectKeys ?? [])], now);
    if (suppression === "erased") {
      this.#store.bumpCounter(now, "erased_dropped");
      return { status: "dropped" };
    }
    const withdrawn = suppression === "withdrawn";
    // A refund in another currency than the order's cannot be taken off its value (net unknown).
    const net = netValueAfter(received, valueInRefundCurrency(stored?.value, stored?.currency, received.currency));
    const full = isFullAfter(net, received.full);
    const orderId = stored?.orderId ?? received.orderId;
    // Google takes an adjustment only after its conversion: a platform clock a little behind ours
    // must not make a same-second cancellation precede the purchase.
    const occurredAt = stored ? Math.max(received.occurredAt, stored.occurredAt + 1000) : received.occurredAt;
    const event: RelayAdjustment = {
      sourceId: received.sourceId,
      dedupKey: received.adjustmentKey,
      ...(received.deliveryId ? { deliveryId: received.deliveryId } : {}),
      orderId: orderId ?? "",
      eventName: full ? "Cancellation" : "Refund",
      occurredAt,
      value: full ? 0 : (net ?? 0),
      currency: received.currency ?? stored?.currency ?? "",
      items: [],
      clickIds: {},
      client: {},
      ...(received.consent ? { consent: received.consent } : {}),
      ...(received.joinKeyHash ? { joinKeyHash: received.joinKeyHash } : {}),
      identity: {},
      subjectKeys: subjects,
      adjustment: {
        kind: received.kind,
        full,
        ...(received.refundedValue !== undefined ? { refundedValue: received.refundedValue } : {}),
        ...(original ? { originalEventId: original.id, conversionAt: stored!.occurredAt } : {}),
      },
    };
    const beacon = original ? undefined : this.#beacon(received.joinKeyHash, now);
    const consentVerdicts = original
      ? []
      : decideDeliveries(withBeacon(event, beacon), beacon, plan, now, this.#denials(received.joinKeyHash, undefined, now));
    const planned = planAdjustment({
      destinations: plan.destinations,
      supports: (type) => destinationAdapters[type as keyof typeof destinationAdapters]?.adjustments !== undefined,
      full,
      netKnown: full || net !== undefined,
      orderIdKnown: orderId !== undefined && orderId !== "",
      ...(original ? { original: { deliveries: this.#store.deliveriesOf(original.id), retracted: stored!.retracted === true } } : {}),
      consentVerdicts,
      now,
    });
    const { pendingOriginal } = planned;
    const deliveries = withdrawn
      ? planned.deliveries.map((d) => ({
          ...d,
          decision: "blocked" as const,
          reason: "withdrawn",
          status: "suppressed" as const,
          nextAttemptAt: null,
        }))
      : planned.deliveries;

    const id = newEventId(now);
    // One transaction: the adjustment, its effect on the original and the counters commit together.
    this.#transaction(() => {
      this.#remember(plan);
      this.#store.insertEvent({ ...newEventRow(id, dedupKey, event, now), adjusts }, deliveries, subjects, now);
      if (original && stored) {
        // The original now carries the order's net value: what its queued deliveries will send.
        const updated: RelayEvent = {
          ...stored,
          value: full ? 0 : (net ?? stored.value),
          receivedValue: stored.receivedValue ?? stored.value,
          ...(full ? { retracted: true } : {}),
        };
        this.#store.updateEventBody(original.id, JSON.stringify(updated));
        if (full && pendingOriginal.length > 0) {
          const suppressed = this.#store.suppressPending([original.id], now, pendingOriginal, "order_cancelled");
          for (const destinationId of pendingOriginal) this.#store.bumpCounter(now, "suppressed", destinationId);
          log.info("order_cancelled_before_sent", { tenantId: plan.tenantId, eventId: original.id, count: suppressed });
        }
      }
      this.#store.bumpCounter(now, "adjustment_received");
      for (const d of deliveries) {
        if (d.status !== "pending")
          this.#store.bumpCounter(
            now,
            d.status === "blocked" ? `adjustment:blocked:${d.reason}` : `adjustment:${d.status}`,
            d.destinationId,
          );
      }
    });
    await this.#rearm();
    return { status: "accepted", id };
  }

  /**
   * A browser beacon under a (hashed) join key, combined with the earlier ones for it and kept
   * 24 h for webhooks still to come. It decides the webhooks already waiting for it; what it
   * refuses, or takes back of a grant (the webhook's or an earlier beacon's), is recorded as a
   * refusal and withdraws every pending delivery of that join key's events.
   */
  async recordBeacon(
    joinHash: string,
    signal: BeaconSignal,
    plan: IngestPlan,
    limits: BeaconLimits = { maxBytes: MAX_BEACON_BYTES, maxBeacons: MAX_BEACONS_PER_TENANT },
  ): Promise<BeaconResult> {
    if (this.#deleted()) return { status: "gone" };
    this.#store.ensureSchema();
    const now = clock.now();
    const subjects = [`join:${joinHash}`, ...Object.values(signal.clickSubjects ?? {})];
    // A withdrawn or erased subject's browser data is not collected again.
    if (this.#store.isSuppressed(subjects, now)) return { status: "dropped" };
    const previous = this.#beacon(joinHash, now);
    const merged = mergeBeacons(previous, signal, now);
    const { refused, ambiguous } = takenBackByBeacon(previous, signal, merged, plan, now);
    const body = JSON.stringify(merged);
    const refusal =
      !previous && this.#store.beaconsAtLimit(limits.maxBeacons, now)
        ? "limit_reached"
        : new TextEncoder().encode(body).byteLength > limits.maxBytes
          ? "too_large"
          : undefined;
    if (refusal) {
      // Not stored, but what it refuses stands all the same: a refusal is never lost to a limit.
      if (refused.length > 0 || ambiguous.length > 0) {
        this.#remember(plan);
        this.#revoke([joinHash], [], refused, now, plan.tenantId);
        this.#holdBackAmbiguous(joinHash, ambiguous, now);
        // Nor is what it made unreadable, for the webhooks still to come: the stored beacons
        // keep a mark for each consent field it carried (a few bytes over the bound at most).
        if (refusal === "too_large" && previous && ambiguous.length > 0) {
          const marked = mergeBeacons(previous, unreadableStandIn(signal), now);
          this.#store.putBeacon(joinHash, JSON.stringify(marked), now, now + RETENTION_MS, [], false);
        }
        await this.#rearm();
      }
      return { status: refusal };
    }

    this.#remember(plan);
    this.#store.putBeacon(joinHash, body, now, now + RETENTION_MS, Object.values(signal.clickSubjects ?? {}), previous === undefined);
    const suppressed = this.#revoke([joinHash], [], refused, now, plan.tenantId) + this.#holdBackAmbiguous(joinHash, ambiguous, now);
    const held = this.#store.heldEvents({ joinHash });
    for (const row of held) this.#decideHeld(row.id, JSON.parse(row.body) as RelayEvent, merged, plan, now, "until_hold_ends");
    await this.#rearm();
    return { status: "stored", decided: held.length, suppressed };
  }

  /**
   * What waits to be sent under a join key to destinations a beacon made ambiguous (takenBackByBeacon)
   * is suppressed: ambiguity blocks, for what was granted before as for what comes after.
   */
  #holdBackAmbiguous(joinHash: string, destinationIds: string[], now: number): number {
    if (destinationIds.length === 0) return 0;
    // Only what was decided: a delivery still held for its consent is decided on the combined
    // beacons (blocked, consent_malformed) or at the end of its hold.
    const suppressed = this.#store.suppressPending(
      this.#store.conversionIdsByJoinHash(joinHash),
      now,
      destinationIds,
      "consent_malformed",
      false,
    );
    this.#store.bumpCounter(now, "suppressed", "", suppressed);
    return suppressed;
  }

  /** Withdrawal: suppresses every queued, held and retrying delivery of the subject. */
  async withdraw(subjectKeys: string[]): Promise<WithdrawalResult> {
    this.#ingests.drain();
    if (this.#deleted()) return { suppressed: 0, matchedEvents: 0 };
    this.#store.ensureSchema();
    const now = clock.now();
    const { keys, eventIds, related } = this.#subjectScope(subjectKeys);
    const suppressed = this.#store.suppress(keys, [...eventIds, ...related], now);
    // Their raw bodies (the buyer's data, unhashed) are not kept for troubleshooting either.
    await this.#deleteCaptures([...eventIds, ...related]);
    await this.#rearm();
    return { suppressed, matchedEvents: eventIds.length };
  }

  /** Data subject erasure: deletes every stored event of the subject and suppresses it. */
  async eraseSubjects(subjectKeys: string[]): Promise<{ erasedEvents: number; erasedBeacons: number }> {
    // Events received before the erasure, still waiting in a group, are written first and erased with the rest.
    this.#ingests.drain();
    if (this.#deleted()) return { erasedEvents: 0, erasedBeacons: 0 };
    this.#store.ensureSchema();
    const now = clock.now();
    const { keys, eventIds, related } = this.#subjectScope(subjectKeys);
    // The subject's beacons go too: by join key, by click id, and those joined to its events.
    const joinHashes = [
      ...new Set([
        ...keys.filter((k) => k.startsWith("join:")).map((k) => k.slice("join:".length)),
        ...this.#store.beaconJoinHashesForSubjects(subjectKeys),
        ...eventIds.flatMap((id) => this.#store.getEvent(id)?.join_hash ?? []),
      ]),
    ];
    const joinKeys = joinHashes.map((hash) => `join:${hash}`);
    // Those checkouts are erased with the subject, so their refusals can go: the suppression,
    // written now, holds back everything they did and outlasts them (a refusal holds 24 h from
    // when it was recorded).
    this.#store.suppress([...new Set([...keys, ...joinKeys])], related, now, true);
    this.#store.deleteDenials([...joinKeys, ...eventIds.map((id) => `event:${id}`)]);
    const erasedBeacons = this.#store.deleteBeacons(joinHashes);
    const erasedEvents = this.#store.deleteEvents(eventIds);
    await this.#deleteCaptures(eventIds);
    this.#store.bumpCounter(now, "erased", "", erasedEvents);
    await this.#rearm();
    return { erasedEvents, erasedBeacons };
  }

  /**
   * What a withdrawal or erasure reaches: the events of the subject keys, the refunds and
   * cancellations of their orders (stored before or after them), and the orders' own keys (order
   * id, join key), suppressed with the subject's so that a later refund or beacon of the order is
   * refused too. An adjustment carries no identifier of the buyer: without this, a refund of a
   * withdrawn buyer's order went to Google as a retraction naming the order.
   */
  #subjectScope(subjectKeys: string[]): { keys: string[]; eventIds: string[]; related: string[] } {
    const matched = this.#store.eventIdsForSubjects(subjectKeys);
    const orderKeys = this.#store.subjectKeysOf(matched).filter((key) => isOrderSubject(key) && !subjectKeys.includes(key));
    const eventIds = new Set([...matched, ...this.#store.adjustmentIdsOf(matched)]);
    // Events that share only an order id or join key (an order of another source with the same
    // id, a join key a platform reuses across buyers) may be someone else's: they are held back
    // (suppressed), never erased.
    const related = this.#store.eventIdsForSubjects(orderKeys).filter((id) => !eventIds.has(id));
    return { keys: [...subjectKeys, ...orderKeys], eventIds: [...eventIds], related };
  }

  async listEvents(filter: EventFilter): Promise<EventView[]> {
    this.#store.ensureSchema();
    return this.#store.listEvents(filter).map((e) => eventView(e, this.#store.deliveriesOf(e.id)));
  }

  /** The previous release's name for keepsRawCapture, which its Workers call during a deploy. */
  async holdsEvent(id: string): Promise<boolean> {
    return this.keepsRawCapture(id);
  }

  async keepsRawCapture(id: string): Promise<boolean> {
    if (this.#deleted()) return false;
    this.#store.ensureSchema();
    return this.#store.getEvent(id) !== undefined && !this.#store.isEventSuppressed(id, clock.now());
  }

  /** `siteUrl`: the tenant's, the last fallback of a Meta event_source_url the detail names. */
  async getEvent(id: string, siteUrl?: string): Promise<EventDetailView | null> {
    this.#store.ensureSchema();
    const event = this.#store.getEvent(id);
    if (!event) return null;
    const adjustments = event.adjusts ? [] : this.#store.adjustmentsOf((event as { dedup_key?: string }).dedup_key ?? "");
    return eventDetailView(event, this.#store.deliveriesOf(id), adjustments, siteUrl);
  }

  /**
   * Resends an event's delivered, failed or expired deliveries (never a blocked or suppressed one)
   * while the event is within its 24 h window; null once it is gone. Consent is read again as it
   * stands now: nothing is resent for a withdrawn subject, or to a destination the user has
   * refused since, or that the tenant removed; nor an order cancelled or fully refunded since.
   */
  async replay(eventId: string): Promise<{ replayed: number } | null> {
    this.#store.ensureSchema();
    const now = clock.now();
    const row = this.#store.getEvent(eventId);
    if (!row || row.expires_at <= now) return null;
    const tenant = await this.#tenant();
    const replayed = tenant ? this.#replayEvent(eventId, tenant, now) : 0;
    await this.#rearm();
    return { replayed };
  }

  /**
   * Resends every failed or expired delivery to one destination whose event is still within its
   * 24 h (after a fix of the destination), with the same checks as an event's replay.
   */
  async replayDestination(destinationId: string): Promise<{ replayed: number }> {
    this.#store.ensureSchema();
    const now = clock.now();
    const tenant = await this.#tenant();
    if (!tenant) return { replayed: 0 };
    let replayed = 0;
    for (const eventId of this.#store.eventIdsToReplay(destinationId, now)) {
      replayed += this.#replayEvent(
        eventId,
        tenant,
        now,
        (d) => d.destination_id === destinationId && d.status !== "delivered" && d.status !== "validated",
      );
    }
    await this.#rearm();
    return { replayed };
  }

  /** Puts an event's deliveries back in the queue where consent, suppressions and config still allow. */
  #replayEvent(
    eventId: string,
    tenant: TenantConfig,
    now: number,
    only: (d: { destination_id: string; status: string }) => boolean = () => true,
  ): number {
    const row = this.#store.getEvent(eventId);
    if (!row || row.expires_at <= now || this.#store.isEventSuppressed(eventId, now)) return 0;
    const stored = JSON.parse(row.body) as RelayEvent;
    // A cancelled or fully refunded order stays retracted: resending it would record it again.
    if (stored.retracted) return 0;
    if (isAdjustment(stored)) {
      // A refund or cancellation has no consent of its own while its original is stored: it goes
      // where the original was recorded (relay/adjust.ts), to destinations the tenant still has.
      const originalId = stored.adjustment.originalEventId;
      const original = originalId ? this.#store.getEvent(originalId) : undefined;
      const targets = adjustmentReplayTargets(
        stored,
        original ? { event: JSON.parse(original.body) as RelayEvent, deliveries: this.#store.deliveriesOf(original.id) } : undefined,
      );
      if (targets) {
        // Only to a destination that is still the platform the original was recorded by.
        const configured = new Map(consentPlan(tenant).destinations.map((d) => [d.id, d.type]));
        return this.#store.replay(
          eventId,
          now,
          (d) => targets.has(d.destination_id) && configured.get(d.destination_id) === d.type && only(d),
        );
      }
    }
    const plan = consentPlan(tenant);
    const beacon = this.#beacon(stored.joinKeyHash, now);
    const verdicts = decideDeliveries(withBeacon(stored, beacon), beacon, plan, now, this.#denials(stored.joinKeyHash, eventId, now));
    const sendable = new Map(verdicts.filter((v) => v.status !== "blocked").map((v) => [v.destinationId, v]));
    return this.#store.replay(
      eventId,
      now,
      (d) => sendable.has(d.destination_id) && only(d),
      (d) => sendable.get(d.destination_id),
    );
  }

  /**
   * The destination changed (new credentials or settings): a held or paused lane resumes at once
   * and its queue is due now.
   */
  async resumeLane(destinationId: string): Promise<{ queued: number }> {
    if (this.#deleted()) return { queued: 0 };
    this.#store.ensureSchema();
    this.#store.clearLaneHold(destinationId);
    this.#store.setCircuit(destinationId, CLOSED);
    const queued = this.#store.resumeDestination(destinationId, clock.now());
    if (queued > 0) log.info("lane_resumed", { tenantId: this.ctx.storage.kv.get<string>(TENANT_ID_KEY), destinationId, count: queued });
    await this.#rearm();
    return { queued };
  }

  /** A destination lane's state: ok, retrying, circuit_open or needs_attention (code and message). */
  async laneState(destinationId: string): Promise<LaneView> {
    this.#store.ensureSchema();
    return this.#laneView(destinationId, clock.now());
  }

  #laneView(destinationId: string, now: number): LaneView {
    return laneView(this.#store.laneHold(destinationId), this.#store.circuit(destinationId), this.#store.countRetrying(destinationId), now);
  }

  async #tenant(): Promise<TenantConfig | null> {
    const tenantId = this.ctx.storage.kv.get<string>(TENANT_ID_KEY);
    return tenantId ? getTenant(this.env, tenantId) : null;
  }

  /** Last 24 h: received, duplicates, outcomes and block reasons per destination, coverage. */
  async stats(destinationIds: string[] = []): Promise<TenantStats> {
    this.#store.ensureSchema();
    const now = clock.now();
    const events = this.#store.listEvents({ since: now - RETENTION_MS, limit: 100_000 }).map((e) => JSON.parse(e.body) as RelayEvent);
    const lanes = Object.fromEntries(destinationIds.map((id) => [id, this.#laneView(id, now)]));
    return buildStats(this.#store.counters(now - RETENTION_MS), events, 24, lanes);
  }

  /** Erases everything this tenant's object holds (tenant deletion), with a count of what went. */
  async purgeTenant(): Promise<PurgeReceipt> {
    // The tombstone comes first: from here on every ingest, beacon or withdrawal is refused, and
    // nothing runs in between because the object handles one event at a time.
    const deletedAt = this.ctx.storage.kv.get<number>(DELETED_AT_KEY) ?? clock.now();
    this.ctx.storage.kv.put(DELETED_AT_KEY, deletedAt);
    this.#tombstoned = true;
    this.#store.ensureSchema();
    const receipt: PurgeReceipt = {
      events: this.#store.count("events"),
      deliveries: this.#store.count("deliveries"),
      beacons: this.#store.count("beacons"),
      suppressions: this.#store.count("suppressions"),
      eventSubjects: this.#store.count("event_subjects"),
      beaconSubjects: this.#store.count("beacon_subjects"),
      consentDenials: this.#store.count("consent_denials"),
      circuits: this.#store.count("circuits"),
      laneHolds: this.#store.count("lane_holds"),
      counters: this.#store.count("counters"),
    };
    // deleteAll also drops the tables and, at this compatibility date, the alarm. The tombstone
    // (a time, nothing else) is written back so the object keeps refusing writes.
    await this.ctx.storage.deleteAll();
    this.ctx.storage.kv.put(DELETED_AT_KEY, deletedAt);
    this.#remembered = undefined;
    this.#alarmAt = null;
    this.#store.schemaDropped();
    return receipt;
  }

  /**
   * Ends the waits for consent that are over, sends due deliveries and purges what is 24 h old.
   * It catches its own errors and always re-arms: the platform's own alarm retries are few and
   * short, a 24 h retry buffer needs more.
   */
  override async alarm(): Promise<void> {
    if (this.#deleted()) return;
    const now = clock.now();
    this.#lastRunAt = now;
    // The alarm that brought this run is spent: until one is set again, none is.
    this.#alarmAt = null;
    try {
      this.#store.ensureSchema();
      const tenantId = this.ctx.storage.kv.get<string>(TENANT_ID_KEY);
      const tenant = tenantId ? await getTenant(this.env, tenantId) : null;
      if (tenant) {
        const plan = consentPlan(tenant);
        for (const row of this.#store.heldEvents({ holdEndedBy: now })) {
          const event = JSON.parse(row.body) as RelayEvent;
          this.#decideHeld(row.id, event, this.#beacon(event.joinKeyHash, now), plan, now);
        }
      }
      // An event whose looked-up customer was erased or withdrawn keeps no raw capture.
      if (tenant) await this.#deleteCaptures((await enrichDue(this.env, this.#store, tenant, clock.now())).dropCaptures);
      else this.#store.abandonEnrichment();
      if (tenant) await pollRequestStatuses(this.env, this.#store, tenant, clock.now(), retryScale(this.env));
      if (tenantId) await deliverDue(this.env, this.#store, tenantId, tenant, clock.now(), this.#lanes, () => this.#rearm(), this.#paces);
    } catch (err) {
      log.error("alarm_failed", { errorName: err instanceof Error ? err.name : "unknown" });
    }
    // The purge does not depend on sending: a config read or a destination step that fails in
    // every run (a KV outage, an unreadable value) must not keep an event past its 24 hours.
    try {
      const tenantId = this.ctx.storage.kv.get<string>(TENANT_ID_KEY);
      // Counted first: a run that could not send did not expire them, and the purge deletes them.
      expireOverdue(this.#store, tenantId ?? "", clock.now(), this.#lanes);
      const purged = this.#store.purgeExpired(clock.now());
      await this.#deleteCaptures(purged.eventIds);
      if (purged.events + purged.beacons + purged.suppressions > 0) {
        this.#store.bumpCounter(now, "purged", "", purged.events);
        log.info("purge", { tenantId, purged: purged.events, count: purged.beacons + purged.suppressions });
      }
      if (tenantId) {
        const flushed = await flushAggregates(this.env.DB, this.#store, tenantId, now, this.ctx.storage.kv.get<string>(FLUSHED_HOUR_KEY));
        if (flushed) this.ctx.storage.kv.put(FLUSHED_HOUR_KEY, flushed);
      }
    } catch (err) {
      log.error("alarm_failed", { errorName: err instanceof Error ? err.name : "unknown" });
    } finally {
      await this.#rearm();
    }
  }

  /**
   * Decides what an event held for its consent, with the beacons if any came. `until_hold_ends`
   * (a beacon came): what the beacons still leave undecided stays held until the hold ends (the
   * next one may decide it), as at ingest (planDeliveries); at the end of the hold everything is
   * decided.
   */
  #decideHeld(
    eventId: string,
    stored: RelayEvent,
    beacon: BeaconSignal | undefined,
    plan: ConsentPlan,
    now: number,
    undecided: "until_hold_ends" | "blocked" = "blocked",
  ): void {
    const event = withBeacon(stored, beacon);
    if (beacon) {
      this.#store.updateEventBody(eventId, JSON.stringify(event));
      this.#store.addEventSubjects(eventId, event.subjectKeys);
    }
    const held = new Set(
      this.#store
        .deliveriesOf(eventId)
        .filter((d) => d.decision === "pending" && d.status === "pending")
        .map((d) => d.destination_id),
    );
    const denials = this.#denials(stored.joinKeyHash, eventId, now);
    const heldPlan = { ...plan, destinations: plan.destinations.filter((x) => held.has(x.id)) };
    const decide = undecided === "until_hold_ends" ? planDeliveries : decideDeliveries;
    for (const d of decide(event, beacon, heldPlan, now, denials)) {
      // Still undecided: it keeps its place and the end of its hold.
      if (d.decision === "pending") continue;
      this.#store.decideDelivery(eventId, d.destinationId, d, now);
      if (d.status === "blocked") this.#store.bumpCounter(now, `blocked:${d.reason}`, d.destinationId);
    }
    // A destination removed or disabled while the event waited is never sent.
    for (const id of held) {
      if (!plan.destinations.some((d) => d.id === id)) {
        this.#store.decideDelivery(
          eventId,
          id,
          { decision: "blocked", reason: "destination_removed", status: "blocked", nextAttemptAt: null },
          now,
        );
      }
    }
  }

  /** Refusals in force for an event: by its join key and by the event itself. */
  #denials(joinHash: string | undefined, eventId: string | undefined, now: number): DenialMap {
    return this.#store.denials([...(joinHash ? [`join:${joinHash}`] : []), ...(eventId ? [`event:${eventId}`] : [])], now);
  }

  /**
   * Records refusals (so no later grant and no replay can undo them) and suppresses every queued,
   * held and retrying delivery to those destinations of the join keys' events and of `eventIds`.
   */
  #revoke(
    joinHashes: string[],
    eventIds: string[],
    refused: { destinationId: string; reason: string }[],
    now: number,
    tenantId: string,
  ): number {
    if (refused.length === 0) return 0;
    for (const hash of joinHashes) this.#store.addDenials(`join:${hash}`, refused, now, now + RETENTION_MS);
    for (const id of eventIds) this.#store.addDenials(`event:${id}`, refused, now, now + RETENTION_MS);
    const affected = [...new Set([...joinHashes.flatMap((h) => this.#store.conversionIdsByJoinHash(h)), ...eventIds])];
    const suppressed = this.#store.suppressPending(
      affected,
      now,
      refused.map((d) => d.destinationId),
    );
    this.#store.bumpCounter(now, "suppressed", "", suppressed);
    if (suppressed > 0) log.info("consent_revocation", { tenantId, count: suppressed });
    return suppressed;
  }

  /**
   * A write transaction. A rolled-back one may have held what #remember wrote: the next
   * #remember then writes again.
   */
  #transaction<T>(write: () => T): T {
    try {
      return this.ctx.storage.transactionSync(write);
    } catch (error) {
      this.#remembered = undefined;
      throw error;
    }
  }

  #deleted(): boolean {
    // Only this object writes its tombstone (purgeTenant), so once read it is known.
    this.#tombstoned ??= this.ctx.storage.kv.get(DELETED_AT_KEY) !== undefined;
    return this.#tombstoned;
  }

  #remember(plan: IngestPlan): void {
    const remembered = `${plan.tenantId}/${plan.region}`;
    if (this.#remembered === remembered) return;
    this.ctx.storage.kv.put(TENANT_ID_KEY, plan.tenantId);
    this.ctx.storage.kv.put(REGION_KEY, plan.region);
    this.#remembered = remembered;
  }

  /**
   * Raw captures live in R2 under the tenant's jurisdiction and go with their events. A delete
   * that fails (an R2 outage) is kept and tried again by every alarm run until it goes through:
   * the events' rows are gone by then, and nothing else would find their captures. Only opaque
   * event ids are kept, at most MAX_CAPTURES_LEFT (the bucket's lifecycle rule is the backstop).
   */
  async #deleteCaptures(eventIds: string[]): Promise<void> {
    const tenantId = this.ctx.storage.kv.get<string>(TENANT_ID_KEY);
    const region = this.ctx.storage.kv.get<Region>(REGION_KEY);
    const left = this.ctx.storage.kv.get<string[]>(CAPTURES_LEFT_KEY) ?? [];
    const ids = [...new Set([...left, ...eventIds])];
    if (!tenantId || !region || ids.length === 0) return;
    try {
      await deleteRawCaptures(eventsBucket(this.env, { region }), tenantId, ids);
      if (left.length > 0) this.ctx.storage.kv.delete(CAPTURES_LEFT_KEY);
    } catch (err) {
      this.ctx.storage.kv.put(CAPTURES_LEFT_KEY, ids.slice(-MAX_CAPTURES_LEFT));
      log.warn("capture_delete_failed", { tenantId, count: ids.length, errorName: err instanceof Error ? err.name : "unknown" });
    }
  }

  #beacon(joinHash: string | undefined, now: number): BeaconSignal | undefined {
    const body = joinHash ? this.#store.getBeacon(joinHash, now) : undefined;
    return body ? (JSON.parse(body) as BeaconSignal) : undefined;
  }

  /**
   * Sets the alarm from the tables: the earliest work, but no sooner than a batch window after the
   * last run. A busy lane's work counts one lease later (busyLaneWakeAt): the lane re-arms when it
   * ends, and that alarm still stands if the object dies with the lane.
   */
  async #rearm(): Promise<void> {
    const work = this.#store.nextWakeAt([...this.#lanes.keys()], busyLaneWakeAt(this.env, clock.now()));
    const capturesLeft = this.ctx.storage.kv.get(CAPTURES_LEFT_KEY) !== undefined ? clock.now() + CAPTURE_RETRY_MS : null;
    const next = work === null ? capturesLeft : capturesLeft === null ? work : Math.min(work, capturesLeft);
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      this.#alarmAt = null;
      return;
    }
    const at = Math.max(next, this.#lastRunAt + BATCH_WINDOW_MS);
    // Already set for then (a beacon or withdrawal that brought no earlier work): not written again.
    if (at === this.#alarmAt) return;
    await this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }
}
