import { decryptDestinationCredentials, findDestination } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";
import { nextAttemptAt } from "../../src/delivery/backoff";
import { afterRequest, batchLimit, isOpen } from "../../src/delivery/circuit";
import { heldAfter, type LaneHold, PROBE_INTERVAL_MS, UNREADABLE_CREDENTIALS } from "../../src/delivery/lane";
import { afterRequestSent, type PacingState, pacedUntil, type RequestPacing } from "../../src/delivery/pacing";
import { effectiveSettings } from "../../src/destinations/effective-settings";
import { DESTINATION_TIMEOUT_MS } from "../../src/destinations/http";
import { destinationAdapters } from "../../src/destinations/registry";
import { testModeOf } from "../../src/destinations/test-mode";
import type { AdjustmentItem, DeliveryItem, ItemOutcome } from "../../src/destinations/types";
import { isAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import { clock } from "../../src/platform/clock";
import { log } from "../../src/platform/log";
import { gateAdjustments } from "./adjustment-gate";
import { markProcessing, sendAloneIds } from "./poll-status";
import type { DueDelivery, RelayStore } from "./store";

/** How many due deliveries one alarm run takes on; the rest wait for the immediate re-arm. */
const DELIVERIES_PER_RUN = 5000;

function groupByDestination(rows: DueDelivery[]): Map<string, DueDelivery[]> {
  const groups = new Map<string, DueDelivery[]>();
  for (const row of rows) {
    const group = groups.get(row.destination_id) ?? [];
    group.push(row);
    groups.set(row.destination_id, group);
  }
  return groups;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface RecordOptions {
  testTraffic?: boolean;
  heldUntil?: number;
  adjustment?: boolean;
}

/** Adjustments are counted apart, so stats show refunds next to (not inside) conversions. */
function metricOf(name: string, opts: RecordOptions): string {
  return opts.adjustment ? `adjustment:${name}` : name;
}

/**
 * Records one outcome: delivered (or validated, for test traffic), terminal failure, a hold (the
 * delivery stays queued until `heldUntil`, the lane's next probe) or a retry inside the 24 h window.
 */
function recordOutcome(
  store: RelayStore,
  tenantId: string,
  row: DueDelivery,
  outcome: Exclude<ItemOutcome, { status: "delivered" }>,
  now: number,
  retryScale: number,
  opts: RecordOptions = {},
): void {
  const attempts = row.attempts + 1;
  const base = {
    tenantId,
    eventId: row.event_id,
    destinationId: row.destination_id,
    attempt: attempts,
    ...(opts.adjustment ? { kind: "adjustment" } : {}),
  };
  const metric = (name: string) => metricOf(name, opts);
  if (outcome.status === "processing") {
    markProcessing(store, row, outcome.requestId, attempts, now, retryScale);
    // Sent while a cancellation suppressed it or a partial refund rewrote it: the retraction or
    // restatement must follow it there.
    if (!opts.adjustment) store.reviveAdjustments([row], row.destination_id, now);
    log.debug("delivery", { ...base, outcome: "processing" });
    return;
  }
  if (outcome.status === "failed") {
    store.updateDelivery(
      row.event_id,
      row.destination_id,
      { status: "failed", attempts, nextAttemptAt: null, lastError: outcome.code },
      now,
    );
    store.bumpCounter(now, metric("failed"), row.destination_id);
    log.warn("delivery", { ...base, outcome: "failed", code: outcome.code });
    return;
  }
  if (outcome.status === "hold") {
    // Queued, not failed: it expires with its event at 24 h if the tenant never fixes the lane.
    const at = Math.min(opts.heldUntil ?? now, row.expires_at);
    store.updateDelivery(
      row.event_id,
      row.destination_id,
      { status: "pending", attempts, nextAttemptAt: at, lastError: outcome.code },
      now,
    );
    log.warn("delivery", { ...base, outcome: "held", code: outcome.code });
    return;
  }
  const scaled = (ms: number) => Math.max(1, Math.round(ms * retryScale));
  const at = nextAttemptAt(now, row.expires_at, attempts, Math.random, outcome.retryAfterMs, scaled);
  const status = at === null ? "expired" : "pending";
  store.updateDelivery(row.event_id, row.destination_id, { status, attempts, nextAttemptAt: at, lastError: outcome.code }, now);
  if (at === null) store.bumpCounter(now, metric("expired"), row.destination_id);
  log.warn("delivery", {
    ...base,
    outcome: at === null ? "expired" : "retry",
    code: outcome.code,
    retryInMs: at === null ? undefined : at - now,
  });
}

/**
 * The rows of one destination's request that it took: recorded together (one update, one
 * counter, one revival check), because under load a request carries hundreds of events.
 * Test traffic (validateOnly, a Meta test event code) is `validated`: checked, never recorded for
 * attribution. A line per event is written at `debug` only; the batch has its `batch_sent` line.
 */
function recordDelivered(store: RelayStore, tenantId: string, rows: DueDelivery[], now: number, opts: RecordOptions): void {
  if (rows.length === 0) return;
  const destinationId = rows[0]!.destination_id;
  const eventIds = rows.map((row) => row.event_id);
  const status = opts.testTraffic ? "validated" : "delivered";
  store.markDelivered(eventIds, destinationId, status, now);
  // Sent while a cancellation suppressed them or a partial refund rewrote them: the retraction or
  // restatement must follow them there.
  if (!opts.adjustment) store.reviveAdjustments(rows, destinationId, now);
  store.bumpCounter(now, metricOf(status, opts), destinationId, rows.length);
  for (const row of rows) {
    log.debug("delivery", {
      tenantId,
      eventId: row.event_id,
      destinationId,
      attempt: row.attempts + 1,
      outcome: status,
      ...(opts.adjustment ? { kind: "adjustment" } : {}),
    });
  }
}

/** Records a request's outcomes, row by row in `rows`' order; the delivered ones together. */
function recordOutcomes(
  store: RelayStore,
  tenantId: string,
  rows: DueDelivery[],
  outcomes: ItemOutcome[],
  now: number,
  retryScale: number,
  opts: RecordOptions,
): void {
  recordDelivered(
    store,
    tenantId,
    rows.filter((_, i) => outcomes[i]!.status === "delivered"),
    now,
    opts,
  );
  for (const [i, row] of rows.entries()) {
    const outcome = outcomes[i]!;
    if (outcome.status !== "delivered") recordOutcome(store, tenantId, row, outcome, now, retryScale, opts);
  }
}

interface RunContext {
  env: Env;
  store: RelayStore;
  tenant: TenantConfig;
  now: number;
  retryScale: number;
  runMemo: Map<string, Promise<unknown>>;
  paces: LanePaces;
}

function failAll(run: RunContext, rows: DueDelivery[], code: string): void {
  for (const row of rows) recordOutcome(run.store, run.tenant.id, row, { status: "failed", code }, run.now, run.retryScale);
}

/** Puts the lane on hold (or keeps it there) until its next probe, an hour from `at`. */
function holdLane(
  run: RunContext,
  destinationId: string,
  previous: LaneHold | undefined,
  outcome: { code: string; message: string },
  at: number,
): LaneHold {
  const next = heldAfter(previous, outcome, at, Math.max(1, Math.round(PROBE_INTERVAL_MS * run.retryScale)));
  run.store.setLaneHold(destinationId, next);
  return next;
}

/** Holds the lane without a request: every due delivery stays queued until the next probe. */
function holdAll(
  run: RunContext,
  destinationId: string,
  previous: LaneHold | undefined,
  rows: DueDelivery[],
  outcome: { status: "hold"; code: string; message: string },
): void {
  const next = holdLane(run, destinationId, previous, outcome, run.now);
  for (const row of rows) {
    const adjustment = isAdjustment(JSON.parse(row.body) as RelayEvent);
    recordOutcome(run.store, run.tenant.id, row, outcome, run.now, run.retryScale, { heldUntil: next.probeAt, adjustment });
  }
  run.store.postpone(destinationId, next.probeAt);
  log.warn("lane_held", { tenantId: run.tenant.id, destinationId, code: outcome.code });
}

/**
 * Withdrawals are checked right before the request: one that landed since the rows were read
 * wins. Leaves out the rows suppressed or decided otherwise meanwhile (a withdrawal, a beacon's
 * refusal), and those whose 24 hours ended while the lane waited (a token fetch, an earlier
 * batch): nothing is sent after them, and the next run marks them expired. A row whose subject
 * was withdrawn is suppressed here. Two statements for the batch.
 */
function withoutWithdrawn(run: RunContext, destinationId: string, rows: DueDelivery[]): DueDelivery[] {
  const now = clock.now();
  const pending = run.store.pendingAmong(
    rows.filter((row) => row.expires_at > now).map((row) => row.event_id),
    destinationId,
  );
  const withdrawn = run.store.suppressedAmong([...pending], now);
  if (withdrawn.size > 0) {
    run.store.suppressPending([...withdrawn], now, [destinationId]);
    run.store.bumpCounter(now, "suppressed", destinationId, withdrawn.size);
  }
  return rows.filter((row) => pending.has(row.event_id) && !withdrawn.has(row.event_id));
}

/** Thrown by the guarded fetch instead of sending data someone withdrew while the batch waited. */
class WithdrawnMeanwhile extends Error {
  override name = "WithdrawnMeanwhile";
}

/**
 * The adapter's fetch, checking the batch again right before every request that carries event
 * data: after any OAuth token fetch and before a resend after a 401 refresh, the awaits during
 * which a withdrawal may land. Token requests carry no event data and pass unchecked (another
 * lane may be waiting on the same one).
 */
function guardedFetch(run: RunContext, destinationId: string, batch: DueDelivery[], aborted: { value: boolean }): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== run.env.GOOGLE_OAUTH_TOKEN_URL && withoutWithdrawn(run, destinationId, batch).length < batch.length) {
      aborted.value = true;
      throw new WithdrawnMeanwhile("withdrawn while the batch waited");
    }
    return fetch(input, init);
  };
}

/** One destination's lane: its own circuit breaker, batches sent one at a time. */
async function deliverToDestination(run: RunContext, destinationId: string, due: DueDelivery[]): Promise<void> {
  const { store, tenant, now } = run;
  const config = findDestination(tenant, destinationId);
  if (!config) return failAll(run, due, "destination_removed");
  if (!config.enabled) return failAll(run, due, "destination_disabled");
  const adapter = destinationAdapters[config.type];
  if (!adapter) return failAll(run, due, "destination_type_unsupported");
  // A delivery's consent was decided for the platform its destination was when it was queued. One
  // queued for another platform under this id (a PUT changed the type, or the destination was
  // deleted and created again as another platform) is not sent on that verdict: a replay decides
  // it again for the destination as it is now.
  failAll(
    run,
    due.filter((row) => row.type !== config.type),
    "destination_type_changed",
  );
  const rows = due.filter((row) => row.type === config.type);
  if (rows.length === 0) return;

  // A held lane waits for the tenant; once an hour one delivery goes out to see if the error is gone.
  const hold = store.laneHold(destinationId);
  if (hold && now < hold.probeAt) return store.postpone(destinationId, hold.probeAt);
  let circuit = store.circuit(destinationId);
  if (isOpen(circuit, now)) return store.postpone(destinationId, circuit.openUntil!);

  let credentials: Record<string, string>;
  try {
    credentials = await decryptDestinationCredentials(run.env, tenant, destinationId);
  } catch {
    // The lane waits for the key or new credentials; its hourly probe tries them again.
    return holdAll(run, destinationId, hold, rows, UNREADABLE_CREDENTIALS);
  }
  const settings = effectiveSettings(run.env, tenant, config, adapter);

  const testTraffic = testModeOf(settings) !== null;
  const probing = hold !== undefined || batchLimit(circuit, adapter.maxBatchSize) === 1;
  // A probe sends one delivery; if it goes through, the rest follows in full batches next run.
  // Deliveries whose earlier request ended in an answer that did not say which events failed go
  // out one per request (see poll-status.ts).
  const alone = sendAloneIds(store, destinationId);
  // Refunds and cancellations go in requests of their own (another API method), and only once
  // their original has been recorded (see adjustment-gate.ts).
  const events = new Map(rows.map((row) => [row, JSON.parse(row.body) as RelayEvent]));
  const conversions = rows.filter((row) => !isAdjustment(events.get(row)!));
  const adjustments = gateAdjustments(
    store,
    destinationId,
    adapter.adjustments !== undefined,
    rows.filter((row) => isAdjustment(events.get(row)!)),
    now,
    run.retryScale,
  );
  const batchSize = (adjustment: boolean) => (probing ? 1 : adjustment ? (adapter.adjustments?.maxBatchSize ?? 1) : adapter.maxBatchSize);
  const batches = [
    ...[...conversions, ...adjustments].filter((row) => alone.has(row.event_id)).map((row) => [row]),
    ...chunk(
      conversions.filter((row) => !alone.has(row.event_id)),
      batchSize(false),
    ),
    ...chunk(
      adjustments.filter((row) => !alone.has(row.event_id)),
      batchSize(true),
    ),
  ].slice(0, probing ? 1 : undefined);
  const pacing = adapter.pacing && scaledPacing(adapter.pacing, run.retryScale);
  for (const candidates of batches) {
    if (isOpen(circuit, now)) {
      store.postpone(destinationId, circuit.openUntil!);
      return;
    }
    const batch = withoutWithdrawn(run, destinationId, candidates);
    if (batch.length === 0) continue;
    const adjustment = isAdjustment(events.get(batch[0]!)!);
    // A resend that Google's answer split into requests of one event each goes at once: it is
    // bounded by the events of one earlier request, not by the lane's traffic.
    if (pacing && !alone.has(batch[0]!.event_id)) {
      const pace = run.paces.get(destinationId);
      const until = pacedUntil(pacing, pace?.bucket, clock.now(), batch.length, batchSize(adjustment));
      // (A lane with no bucket yet has a full one: only a lane that has sent can wait.)
      if (until !== null && pace) {
        // What is due waits for the lane's next request, and goes out in it with what comes meanwhile.
        run.paces.set(destinationId, { bucket: pace.bucket, waitUntil: until });
        store.postpone(destinationId, until);
        return;
      }
    }
    store.lease(
      batch.map((row) => row.event_id),
      destinationId,
      leaseEnd(clock.now(), run.retryScale),
    );
    const started = Date.now();
    const aborted = { value: false };
    const fetchChecked = guardedFetch(run, destinationId, batch, aborted);
    const sendContext = {
      scope: { tenantId: tenant.id, destinationId },
      env: run.env,
      settings,
      credentials,
      now,
      fetch: fetchChecked,
      runMemo: run.runMemo,
    };
    const outcomes = adjustment
      ? await adapter.adjustments!.send(
          batch.map((row): AdjustmentItem => ({ eventId: row.event_id, adjustment: events.get(row) as AdjustmentItem["adjustment"] })),
          sendContext,
        )
      : await adapter.send(
          batch.map(
            (row): DeliveryItem => ({
              eventId: row.event_id,
              event: events.get(row)!,
              decision: row.decision === "send_denied_flag" ? "send_denied_flag" : "send",
            }),
          ),
          sendContext,
        );
    if (aborted.value) {
      // Nothing goes out for the withdrawn rows; the rest go in the next run, no attempt counted.
      store.lease(
        batch.map((row) => row.event_id),
        destinationId,
        clock.now(),
      );
      continue;
    }
    if (pacing) {
      run.paces.set(destinationId, {
        bucket: afterRequestSent(pacing, run.paces.get(destinationId)?.bucket, clock.now()),
        waitUntil: null,
      });
    }
    log.info("batch_sent", {
      tenantId: tenant.id,
      destinationId,
      destinationType: config.type,
      count: batch.length,
      durationMs: Date.now() - started,
      ...(adjustment ? { kind: "adjustment" } : {}),
    });
    // Backoff and Retry-After count from the answer, not from the start of the run: a request
    // that took the whole timeout must not be retried the moment it came back.
    const answeredAt = clock.now();
    const held = outcomes.find((o) => o.status === "hold");
    if (held) {
      // The whole lane waits (its other deliveries too): the same error would answer every one.
      const next = holdLane(run, destinationId, hold, held, answeredAt);
      recordOutcomes(store, tenant.id, batch, outcomes, answeredAt, run.retryScale, { testTraffic, heldUntil: next.probeAt, adjustment });
      store.setCircuit(destinationId, afterRequest(circuit, false, answeredAt));
      store.postpone(destinationId, next.probeAt);
      log.warn("lane_held", { tenantId: tenant.id, destinationId, destinationType: config.type, code: held.code });
      return;
    }
    if (hold) {
      store.clearLaneHold(destinationId);
      log.info("lane_resumed", { tenantId: tenant.id, destinationId, destinationType: config.type });
    }
    recordOutcomes(store, tenant.id, batch, outcomes, answeredAt, run.retryScale, { testTraffic, adjustment });

    // Only a request that failed as a whole says the destination is unwell; rows retried for
    // their own reasons (a click too recent, a resend) never open the breaker.
    const failedAsWhole = outcomes.length > 0 && outcomes.every((o) => o.status === "retry" && !o.perRow);
    circuit = afterRequest(circuit, failedAsWhole, answeredAt);
    store.setCircuit(destinationId, circuit);
    if (isOpen(circuit, answeredAt)) {
      log.warn("circuit_open", { tenantId: tenant.id, destinationId, count: circuit.failures, retryInMs: circuit.openUntil! - answeredAt });
      store.postpone(destinationId, circuit.openUntil!);
      return;
    }
  }
}

/** Lanes still sending, by destination id; they live in the object's memory only. */
export type BusyLanes = Map<string, Promise<void>>;

/**
 * Paced lanes (src/delivery/pacing.ts) by destination id: the bucket, and while the lane waits, when
 * it may send again. In the object's memory only: a new object starts every bucket full, so a
 * restart costs at most one more burst; the waiting deliveries keep their postponed time in storage.
 */
export type LanePaces = Map<string, { bucket: PacingState; waitUntil: number | null }>;

/** How long an alarm run waits for its lanes before it returns and lets slow ones go on alone. */
export const LANE_WAIT_MS = 2_000;
/**
 * After this, a delivery whose request died with the object is due again (same id). While the
 * object lives, its busy-lane map keeps a lane from starting twice, so the lease only has to
 * outlast one request, not a whole lane.
 */
const LEASE_MS = DESTINATION_TIMEOUT_MS + 5_000;

function leaseEnd(now: number, scale: number): number {
  return now + LEASE_MS * scale;
}

/**
 * When a busy lane's work counts as due for the alarm. The lane re-arms when it ends, but it lives
 * in the object's memory only: if the object dies with it (a crash, an eviction, a deploy), no end
 * comes, and an alarm set only for the other work (or the 24 h purge) would leave the lane's
 * queued and interrupted deliveries waiting. So the alarm also wakes one lease later: a live object
 * finds the lane still busy and looks again, a new one sends.
 */
export function busyLaneWakeAt(env: Env, now: number): number {
  return leaseEnd(now, retryScale(env));
}

/**
 * Sends every due delivery, batched per destination. Destinations run side by side, each in its
 * own lane with its own breaker, and a lane that is slow keeps going after the run returns, so
 * the next run (for another destination's new events) does not wait for it; errors stay inside
 * their lane. `onLaneDone` re-arms the alarm when a lane finishes.
 */
/**
 * Ends the deliveries whose event reached its 24 hours unsent (a lane held all that time, a retry
 * schedule run out) as `expired`, and counts them: the tenant's stats show what was lost. Runs
 * before each send and before the purge, which would otherwise delete them uncounted. A request
 * of a busy lane still on the wire left inside the window: its answer counts it, not this.
 */
export function expireOverdue(store: RelayStore, tenantId: string, now: number, lanes: BusyLanes = new Map()): void {
  const expired = store.expireDue(now, [...lanes.keys()]);
  for (const { destinationId, adjustment, count } of expired)
    store.bumpCounter(now, metricOf("expired", { adjustment }), destinationId, count);
  const count = expired.reduce((sum, e) => sum + e.count, 0);
  if (count > 0) log.warn("deliveries_expired", { tenantId, count });
}

export async function deliverDue(
  env: Env,
  store: RelayStore,
  tenantId: string,
  tenant: TenantConfig | null,
  now: number,
  lanes: BusyLanes = new Map(),
  onLaneDone: () => Promise<void> = async () => {},
  paces: LanePaces = new Map(),
): Promise<void> {
  expireOverdue(store, tenantId, now, lanes);
  const due = store.dueDeliveries(now, DELIVERIES_PER_RUN, [...lanes.keys()]);
  if (due.length === 0) return;
  if (!tenant) {
    // The tenant was deleted; its purge removes these rows, nothing may be sent for it.
    for (const row of due) recordOutcome(store, tenantId, row, { status: "failed", code: "tenant_removed" }, now, 1);
    return;
  }
  const run: RunContext = { env, store, tenant, now, retryScale: retryScale(env), runMemo: new Map(), paces };
  const started = [...groupByDestination(due)].map(([destinationId, rows]) => {
    const lane = deliverToDestination(run, destinationId, rows)
      .catch((err) => {
        log.error("destination_run_failed", { tenantId, destinationId, errorName: err instanceof Error ? err.name : "unknown" });
      })
      .finally(() => {
        lanes.delete(destinationId);
        return onLaneDone().catch(() => {});
      });
    lanes.set(destinationId, lane);
    return lane;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(started), new Promise<void>((resolve) => (timer = setTimeout(resolve, LANE_WAIT_MS)))]);
  clearTimeout(timer);
}

/** A lane's pacing on the retry schedule's clock: soak runs compress its waits like the retries'. */
function scaledPacing(pacing: RequestPacing, scale: number): RequestPacing {
  return scale === 1 ? pacing : { burst: pacing.burst, perMinute: pacing.perMinute / scale };
}

/** RETRY_TIME_SCALE compresses the retry schedule for soak runs only; 1 everywhere else. */
export function retryScale(env: Env): number {
  const scale = Number(env.RETRY_TIME_SCALE ?? "1");
  return Number.isFinite(scale) && scale > 0 && scale <= 1 ? scale : 1;
}
