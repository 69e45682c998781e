import { CLOSED, type CircuitState } from "../../src/delivery/circuit";
import { STATED_BY_DENIED_FLAG } from "../../src/consent/sticky";
import type { LaneHold } from "../../src/delivery/lane";
import type { NewDelivery } from "../../src/pipeline/consent-gate";
import type { DeliveryStatus, EventFilter, StoredDecision } from "../../src/platform/relay-rpc";
import { RETENTION_MS } from "../../src/delivery/backoff";
import type { RelayAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import { isOrderSubject } from "../../src/identity/subjects";
import { RELAY_MIGRATIONS, RELAY_SCHEMA } from "./schema";

/** The refusals Google's denied flag states, as JSON for SQL (see addDenials). */
const DENIED_FLAG_REFUSALS = JSON.stringify([...STATED_BY_DENIED_FLAG]);

export interface PurgeCounts {
  /** Ids of the events purged (for their R2 raw captures). */
  eventIds: string[];
  events: number;
  beacons: number;
  suppressions: number;
}

export type DeliveryRow = {
  event_id: string;
  destination_id: string;
  type: string;
  decision: StoredDecision;
  reason: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
};

export type EventRow = {
  id: string;
  source_id: string;
  order_id: string;
  received_at: number;
  expires_at: number;
  join_hash: string | null;
  /** 1 while the source's enrichment lookup must run before the first send. */
  enrich_pending: number;
  /** The hashed RelayEvent as JSON; never raw personal data. */
  body: string;
  /** On an adjustment: the dedup key of the order it adjusts; null on a conversion. */
  adjusts?: string | null;
};

export type DueDelivery = DeliveryRow & {
  expires_at: number;
  body: string;
};

export type CounterRow = {
  hour: string;
  metric: string;
  destination_id: string;
  count: number;
};

/**
 * A delivery on the wire: leased (its next attempt moved to the lease's end, after now) in a lane
 * still sending, whose ids are the JSON array bound as ?2 (and ?1 is now).
 */
const IN_FLIGHT = "(destination_id IN (SELECT value FROM json_each(?2)) AND COALESCE(next_attempt_at, 0) > ?1)";

/** Durable Object SQLite binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;
/** Hex digits of a subject key's hash that event_subjects keeps (subjectIndexKey). */
const INDEXED_HEX_DIGITS = 16;

/**
 * The subject-key rows of events, read from the events themselves: an event's `subjectKeys` are
 * exactly the rows it has in event_subjects (every path that adds rows stores the body with them),
 * so event_subjects needs no index by event, which would be written on every ingest.
 */
// A body that is not JSON (never written, but purge must not stop on one) lists no keys.
const SUBJECT_KEYS_OF_BODY = "json_each(CASE WHEN json_valid(e.body) THEN e.body ELSE '{}' END, '$.subjectKeys') k";
const KEYS_OF_EVENTS = `events e, ${SUBJECT_KEYS_OF_BODY}`;
const SUBJECTS_OF_EVENTS = `SELECT k.value, e.id FROM ${KEYS_OF_EVENTS}`;
/**
 * The same, as the rows event_subjects holds for them: the shortened key (subjectIndexKey), and
 * the full key, which releases before schema version 4 wrote (one still running beside this one
 * during a rollout may write it after the migration), so that no row of an event is left behind.
 */
const SUBJECT_ROWS_OF_EVENTS = `SELECT CASE form.full WHEN 1 THEN k.value ELSE substr(k.value, 1, instr(k.value, ':') + ${INDEXED_HEX_DIGITS}) END, e.id
  FROM ${KEYS_OF_EVENTS}, (SELECT 0 AS full UNION ALL SELECT 1) form`;

/**
 * What event_subjects stores of a subject key ("em:<sha256 hex>"): its kind and the first 64
 * bits of the hash. Each webhook writes about five of these rows, and for customers not seen
 * before each lands on a random page of the index; with rows a third of the size, writing them
 * took about half the time (timed in workerd over 26,000 events of distinct customers). Keys
 * that share a prefix by chance are told apart by the full keys in the event's body
 * (eventIdsForSubjects), so a withdrawal or erasure never reaches someone else's event.
 */
export function subjectIndexKey(key: string): string {
  return key.slice(0, key.indexOf(":") + 1 + INDEXED_HEX_DIGITS);
}

/** Deliveries of one destination that reached the end of their event's 24 h unsent. */
export interface ExpiredDeliveries {
  destinationId: string;
  /** Refunds and cancellations, counted apart from conversions. */
  adjustment: boolean;
  count: number;
}

/** An event to insert, with what is stored beside it (see insertEvents). */
export interface NewEvent {
  row: EventRow & { dedup_key: string };
  deliveries: NewDelivery[];
  subjectKeys: string[];
  aliases: string[];
}

/** The row that stores a conversion or adjustment received at `now`; it is kept 24 hours. */
export function newEventRow(
  id: string,
  dedupKey: string,
  event: RelayEvent | RelayAdjustment,
  now: number,
): EventRow & { dedup_key: string } {
  return {
    id,
    dedup_key: dedupKey,
    source_id: event.sourceId,
    order_id: event.orderId,
    received_at: now,
    expires_at: now + RETENTION_MS,
    join_hash: event.joinKeyHash ?? null,
    // Events from a source with an enrich hook wait for its lookup before they are sent.
    enrich_pending: "enrichment" in event && event.enrichment ? 1 : 0,
    body: JSON.stringify(event),
  };
}

function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Synchronous SQL access for TenantRelay; every method is one consistent step. */
export class RelayStore {
  constructor(readonly storage: DurableObjectStorage) {}

  private get sql() {
    return this.storage.sql;
  }

  /** Whether this object's tables exist: created (and migrated) once per instance, again after deleteAll(). */
  #schemaReady = false;

  ensureSchema(): void {
    if (this.#schemaReady) return;
    this.#createSchema();
    this.#schemaReady = true;
  }

  /** deleteAll() dropped the tables: the next ensureSchema() creates them again. */
  schemaDropped(): void {
    this.#schemaReady = false;
    this.#suppressedUntil = undefined;
    this.#beaconRowsAtMost = undefined;
  }

  #createSchema(): void {
    for (const statement of RELAY_SCHEMA) this.sql.exec(statement);
    this.sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const current = this.sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_version").one().v ?? 1;
    for (const step of RELAY_MIGRATIONS) {
      if (step.version <= current) continue;
      this.storage.transactionSync(() => {
        for (const statement of step.statements) this.sql.exec(statement);
        this.sql.exec("DELETE FROM schema_version");
        this.sql.exec("INSERT INTO schema_version (version) VALUES (?)", step.version);
      });
    }
  }

  /** The stored conversion an order key names: its dedup key, else an alias it recorded. */
  findOrder(dedupKey: string): (EventRow & { dedup_key: string }) | undefined {
    return (
      this.sql
        .exec<EventRow & { dedup_key: string }>("SELECT * FROM events WHERE dedup_key = ? AND adjusts IS NULL", dedupKey)
        .toArray()[0] ??
      this.sql
        .exec<EventRow & { dedup_key: string }>(
          "SELECT e.* FROM order_aliases a JOIN events e ON e.id = a.event_id WHERE a.alias = ? AND e.adjusts IS NULL",
          dedupKey,
        )
        .toArray()[0]
    );
  }

  /**
   * For an incoming conversion, in one statement: the event already stored under its dedup key
   * (a redelivery), and the refunds and cancellations that arrived for it first, oldest first.
   */
  conversionLookup(dedupKey: string): { existingId: string | undefined; adjustments: EventRow[] } {
    const rows = this.sql
      .exec<EventRow & { dedup_key: string }>("SELECT * FROM events WHERE dedup_key = ?1 OR adjusts = ?1", dedupKey)
      .toArray();
    const adjustments = rows
      .filter((row) => row.adjusts === dedupKey)
      .sort((a, b) => a.received_at - b.received_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { existingId: rows.find((row) => row.dedup_key === dedupKey)?.id, adjustments };
  }

  /** Adjustments stored for an order (by the original's dedup key), oldest first. */
  adjustmentsOf(orderDedupKey: string): EventRow[] {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE adjusts = ? ORDER BY received_at, id", orderDedupKey).toArray();
  }

  /**
   * The refunds and cancellations of these originals, newest first per original, with how each
   * stands for the destination. The lookup starts from the originals just sent (CROSS JOIN keeps
   * SQLite to that order: the primary key, the partial adjusts index, the deliveries' key), so it
   * costs what the batch holds, never a scan of the tenant's deliveries.
   */
  #adjustmentsOfSent(originalIds: string[], destinationId: string) {
    return this.sql
      .exec<{ original_id: string; original_body: string; adjustment_id: string; status: string; reason: string }>(
        `SELECT o.id AS original_id, o.body AS original_body, a.id AS adjustment_id, d.status AS status, d.reason AS reason
         FROM json_each(?) AS s CROSS JOIN events AS o CROSS JOIN events AS a CROSS JOIN deliveries AS d
         WHERE o.id = s.value AND a.adjusts = o.dedup_key AND a.adjusts IS NOT NULL
           AND d.event_id = a.id AND d.destination_id = ?
         ORDER BY o.id, a.id DESC`,
        JSON.stringify(originalIds),
        destinationId,
      )
      .toArray();
  }

  #queueAdjustments(adjustmentIds: string[], destinationId: string, now: number): number {
    if (adjustmentIds.length === 0) return 0;
    return this.sql.exec(
      `UPDATE deliveries SET decision = 'send', reason = 'original_delivered', status = 'pending', next_attempt_at = ?, updated_at = ?
       WHERE event_id IN (SELECT value FROM json_each(?)) AND destination_id = ?`,
      now,
      now,
      JSON.stringify(adjustmentIds),
      destinationId,
    ).rowsWritten;
  }

  /**
   * Originals that reached their destination while a refund or cancellation was being applied to
   * them (their request was already on the wire; `sent`: their bodies as that request read them):
   * - a cancellation had suppressed it (`order_cancelled`): the retraction is queued after all;
   * - a partial refund had rewritten its value (`applied_before_sent`), and the value sent is not
   *   the order's value now: the order's newest adjustment, if it is that refund, is queued (it
   *   states the net value after every refund so far). A refund that came before the send
   *   rewrote what was sent and stays as it is; a retracted order gets its retraction only.
   * Answers how many were queued. Costs what the batch holds, and nothing while no adjustment is stored.
   */
  reviveAdjustments(sent: Array<{ event_id: string; body: string }>, destinationId: string, now: number): number {
    // Most batches: no refund or cancellation is stored at all (one entry of a partial index, read
    // once per batch, instead of two rows per event sent).
    if (this.sql.exec("SELECT 1 FROM events WHERE adjusts IS NOT NULL LIMIT 1").toArray().length === 0) return 0;
    const rows = this.#adjustmentsOfSent(
      sent.map((row) => row.event_id),
      destinationId,
    );
    if (rows.length === 0) return 0;
    const sentBodies = new Map(sent.map((row) => [row.event_id, row.body]));
    const queue: string[] = [];
    let previous: string | undefined;
    for (const row of rows) {
      const newest = row.original_id !== previous;
      previous = row.original_id;
      if (row.status === "suppressed" && row.reason === "order_cancelled") queue.push(row.adjustment_id);
      else if (newest && row.status === "blocked" && row.reason === "applied_before_sent") {
        const current = JSON.parse(row.original_body) as RelayEvent;
        const sentThen = JSON.parse(sentBodies.get(row.original_id) ?? "{}") as Partial<RelayEvent>;
        if (!current.retracted && sentThen.value !== current.value) queue.push(row.adjustment_id);
      }
    }
    return this.#queueAdjustments(queue, destinationId, now);
  }

  findEventIdByDedupKey(dedupKey: string): string | undefined {
    return this.sql.exec<{ id: string }>("SELECT id FROM events WHERE dedup_key = ?", dedupKey).toArray()[0]?.id;
  }

  /**
   * An event with its aliases, subject keys and deliveries. Not a transaction of its own: the
   * caller's transaction makes it atomic, and a savepoint per event would copy every page it
   * touches once more.
   */
  insertEvent(
    row: EventRow & { dedup_key: string },
    deliveries: NewDelivery[],
    subjectKeys: string[],
    now: number,
    aliases: string[] = [],
  ): void {
    this.insertEvents([{ row, deliveries, subjectKeys, aliases }], now);
  }

  /**
   * Events with their aliases, subject keys and deliveries, as one multi-row INSERT per table (a
   * group of ingests, relay/group-writes.ts), in the caller's transaction. Aliases are inserted in
   * the events' order: the first order to claim an alias keeps it.
   */
  insertEvents(events: NewEvent[], now: number): void {
    this.#insertRows(
      "INSERT INTO events (id, dedup_key, source_id, order_id, received_at, expires_at, join_hash, enrich_pending, body, adjusts)",
      events.map(({ row }) => [
        row.id,
        row.dedup_key,
        row.source_id,
        row.order_id,
        row.received_at,
        row.expires_at,
        row.join_hash,
        row.enrich_pending,
        row.body,
        row.adjusts ?? null,
      ]),
    );
    this.#insertRows(
      "INSERT OR IGNORE INTO order_aliases (alias, event_id)",
      events.flatMap(({ row, aliases }) => aliases.map((alias) => [alias, row.id])),
    );
    this.#insertRows(
      "INSERT OR IGNORE INTO event_subjects (subject_key, event_id)",
      events.flatMap(({ row, subjectKeys }) => subjectKeys.map((key) => [subjectIndexKey(key), row.id])),
    );
    this.#insertRows(
      "INSERT INTO deliveries (event_id, destination_id, type, decision, reason, status, next_attempt_at, updated_at)",
      events.flatMap(({ row, deliveries }) =>
        deliveries.map((d) => [row.id, d.destinationId, d.type, d.decision, d.reason, d.status, d.nextAttemptAt, now]),
      ),
    );
  }

  /**
   * Multi-row INSERT: one statement per table for a group of rows (events, aliases, subjects, deliveries), in
   * chunks that stay within Durable Object SQLite's 100 bound parameters per statement
   * (https://developers.cloudflare.com/durable-objects/platform/limits/).
   */
  #insertRows(head: string, rows: SqlStorageValue[][]): void {
    const width = rows[0]?.length ?? 1;
    const perStatement = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / width));
    const tuple = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      this.sql.exec(`${head} VALUES ${chunk.map(() => tuple).join(", ")}`, ...chunk.flat());
    }
  }

  /**
   * Sets the consent decision of a delivery that was waiting for it. With `type`, the platform it
   * was decided for is written too: a destination that changed platform while the delivery waited
   * was decided as it is now, and must not be failed as queued for the old one.
   */
  decideDelivery(
    eventId: string,
    destinationId: string,
    d: Omit<NewDelivery, "destinationId" | "type"> & { type?: string },
    now: number,
  ): void {
    this.sql.exec(
      `UPDATE deliveries SET decision = ?, reason = ?, status = ?, next_attempt_at = ?, type = COALESCE(?, type), updated_at = ?
       WHERE event_id = ? AND destination_id = ? AND decision = 'pending' AND status = 'pending'`,
      d.decision,
      d.reason,
      d.status,
      d.nextAttemptAt,
      d.type ?? null,
      now,
      eventId,
      destinationId,
    );
  }

  /** Events whose lookup must run now: they have a delivery due to be sent. */
  eventsAwaitingEnrichment(now: number, limit: number): EventRow[] {
    return this.sql
      .exec<EventRow>(
        `SELECT * FROM events WHERE enrich_pending = 1 AND id IN (
           SELECT event_id FROM deliveries WHERE status = 'pending' AND decision != 'pending' AND next_attempt_at <= ?)
         ORDER BY received_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  /** Stores the (possibly enriched) body, adds new subject keys, and lets deliveries go. */
  /**
   * The lookup ran while other requests could: a beacon may have added subject keys to the event
   * meanwhile, or an erasure deleted it. The stored keys are kept (the body lists every key row
   * the event has, which purge and erasure rely on), and nothing is written for an erased event.
   */
  finishEnrichment(id: string, body: string, newSubjectKeys: string[]): void {
    this.storage.transactionSync(() => {
      const current = this.sql.exec<{ body: string }>("SELECT body FROM events WHERE id = ?", id).toArray()[0];
      if (!current) return;
      const next = JSON.parse(body) as { subjectKeys?: string[] };
      const stored = (JSON.parse(current.body) as { subjectKeys?: string[] }).subjectKeys ?? [];
      next.subjectKeys = [...new Set([...stored, ...(next.subjectKeys ?? []), ...newSubjectKeys])];
      this.sql.exec("UPDATE events SET body = ?, enrich_pending = 0 WHERE id = ?", JSON.stringify(next), id);
      for (const key of newSubjectKeys) {
        this.sql.exec("INSERT OR IGNORE INTO event_subjects (subject_key, event_id) VALUES (?, ?)", subjectIndexKey(key), id);
      }
    });
  }

  /** Without a tenant config no lookup can run; the events go out (or fail) without one. */
  abandonEnrichment(): void {
    this.sql.exec("UPDATE events SET enrich_pending = 0 WHERE enrich_pending = 1");
  }

  /** Holds an event's due deliveries until `until` (the lookup will be tried again then). */
  postponeEvent(id: string, until: number): void {
    this.sql.exec(
      `UPDATE deliveries SET next_attempt_at = ? WHERE event_id = ? AND status = 'pending' AND decision != 'pending' AND next_attempt_at < ?`,
      until,
      id,
      until,
    );
  }

  updateEventBody(id: string, body: string): void {
    this.sql.exec("UPDATE events SET body = ? WHERE id = ?", body, id);
  }

  /** Events waiting for consent: all held under a join key, or those whose wait has ended. */
  heldEvents(filter: { joinHash: string } | { holdEndedBy: number }): EventRow[] {
    const held = "SELECT event_id FROM deliveries WHERE decision = 'pending' AND status = 'pending'";
    return "joinHash" in filter
      ? this.sql.exec<EventRow>(`SELECT * FROM events WHERE join_hash = ? AND id IN (${held})`, filter.joinHash).toArray()
      : this.sql.exec<EventRow>(`SELECT * FROM events WHERE id IN (${held} AND next_attempt_at <= ?)`, filter.holdEndedBy).toArray();
  }

  circuit(destinationId: string): CircuitState {
    const row = this.sql
      .exec<{ failures: number; open_until: number | null }>(
        "SELECT failures, open_until FROM circuits WHERE destination_id = ?",
        destinationId,
      )
      .toArray()[0];
    return row ? { failures: row.failures, openUntil: row.open_until } : CLOSED;
  }

  setCircuit(destinationId: string, state: CircuitState): void {
    if (state.failures === 0) {
      this.sql.exec("DELETE FROM circuits WHERE destination_id = ?", destinationId);
      return;
    }
    this.sql.exec(
      `INSERT INTO circuits (destination_id, failures, open_until) VALUES (?, ?, ?)
       ON CONFLICT (destination_id) DO UPDATE SET failures = excluded.failures, open_until = excluded.open_until`,
      destinationId,
      state.failures,
      state.openUntil,
    );
  }

  laneHold(destinationId: string): LaneHold | undefined {
    const row = this.sql
      .exec<{ code: string; message: string; since: number; probe_at: number }>(
        "SELECT code, message, since, probe_at FROM lane_holds WHERE destination_id = ?",
        destinationId,
      )
      .toArray()[0];
    return row ? { code: row.code, message: row.message, since: row.since, probeAt: row.probe_at } : undefined;
  }

  setLaneHold(destinationId: string, hold: LaneHold): void {
    this.sql.exec(
      `INSERT INTO lane_holds (destination_id, code, message, since, probe_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (destination_id) DO UPDATE SET code = excluded.code, message = excluded.message,
         since = excluded.since, probe_at = excluded.probe_at`,
      destinationId,
      hold.code,
      hold.message,
      hold.since,
      hold.probeAt,
    );
  }

  clearLaneHold(destinationId: string): void {
    this.sql.exec("DELETE FROM lane_holds WHERE destination_id = ?", destinationId);
  }

  /** Queued deliveries of a destination that have been tried and wait for another attempt. */
  countRetrying(destinationId: string): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM deliveries WHERE destination_id = ? AND status = 'pending' AND attempts > 0",
        destinationId,
      )
      .one().n;
  }

  /** Makes every queued delivery of a destination due now (its settings or credentials changed). */
  resumeDestination(destinationId: string, now: number): number {
    const n = this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM deliveries WHERE destination_id = ? AND status = 'pending' AND decision != 'pending'",
        destinationId,
      )
      .one().n;
    this.sql.exec(
      `UPDATE deliveries SET next_attempt_at = ? WHERE destination_id = ? AND status = 'pending' AND decision != 'pending' AND next_attempt_at > ?`,
      now,
      destinationId,
      now,
    );
    return n;
  }

  /** Events within their 24 h with a failed or expired delivery to this destination. */
  eventIdsToReplay(destinationId: string, now: number): string[] {
    return this.sql
      .exec<{ id: string }>(
        `SELECT e.id FROM events e JOIN deliveries d ON d.event_id = e.id
         WHERE d.destination_id = ? AND d.status IN ('failed', 'expired') AND e.expires_at > ? ORDER BY e.received_at`,
        destinationId,
        now,
      )
      .toArray()
      .map((r) => r.id);
  }

  /** Moves a paused destination's due deliveries to when it may be tried again (no attempt used). */
  postpone(destinationId: string, until: number): void {
    this.sql.exec(
      `UPDATE deliveries SET next_attempt_at = ?
       WHERE destination_id = ? AND status = 'pending' AND decision != 'pending' AND next_attempt_at < ?`,
      until,
      destinationId,
      until,
    );
  }

  /**
   * Marks deliveries whose event is 24 h old as expired: nothing is sent after the window. Returns
   * how many per destination, adjustments apart, for the stats. A leased row of a lane still
   * sending (`busyDestinations`) is on the wire, sent inside the window: its answer records it
   * (delivered, or expired by the retry schedule), so it is not counted here as well.
   */
  expireDue(now: number, busyDestinations: string[] = []): ExpiredDeliveries[] {
    // One probe of the expiry index in the common case (no event at its 24 h yet), instead of a
    // pass over every pending delivery on each run.
    if (this.sql.exec("SELECT 1 FROM events WHERE expires_at <= ? LIMIT 1", now).toArray().length === 0) return [];
    const busy = JSON.stringify(busyDestinations);
    const expired = this.sql
      .exec<{ destination_id: string; adjustment: number; n: number }>(
        `SELECT d.destination_id, e.adjusts IS NOT NULL AS adjustment, COUNT(*) AS n
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND e.expires_at <= ?1 AND NOT ${IN_FLIGHT} GROUP BY 1, 2`,
        now,
        busy,
      )
      .toArray()
      .map((r) => ({ destinationId: r.destination_id, adjustment: r.adjustment === 1, count: r.n }));
    if (expired.length > 0) {
      this.sql.exec(
        `UPDATE deliveries SET status = 'expired', next_attempt_at = NULL, updated_at = ?1
         WHERE status = 'pending' AND event_id IN (SELECT id FROM events WHERE expires_at <= ?1) AND NOT ${IN_FLIGHT}`,
        now,
        busy,
      );
    }
    return expired;
  }

  /** Puts an event's sent, failed or expired deliveries back in the queue (never blocked ones). */
  /**
   * Puts an event's sent, failed or expired deliveries back in the queue where `allowed`. `decided`
   * gives the verdict a delivery is sent on now (consent as it stands, for the destination as it
   * is), which replaces the one it was first sent on: a user who has since denied ad_user_data gets
   * Google's denied flag, not the full identifiers of the first send.
   */
  replay(
    eventId: string,
    now: number,
    allowed: (row: DeliveryRow) => boolean = () => true,
    decided?: (row: DeliveryRow) => Pick<DeliveryRow, "decision" | "reason" | "type"> | undefined,
  ): number {
    let n = 0;
    for (const row of this.deliveriesOf(eventId)) {
      const replayable =
        ["send", "send_denied_flag"].includes(row.decision) && ["delivered", "validated", "failed", "expired"].includes(row.status);
      if (!replayable || !allowed(row)) continue;
      const verdict = decided?.(row) ?? row;
      this.sql.exec(
        `UPDATE deliveries SET status = 'pending', decision = ?, reason = ?, type = ?, next_attempt_at = ?, last_error = NULL, updated_at = ?
         WHERE event_id = ? AND destination_id = ?`,
        verdict.decision,
        verdict.reason,
        verdict.type,
        now,
        now,
        eventId,
        row.destination_id,
      );
      n++;
    }
    return n;
  }

  deliveryOf(eventId: string, destinationId: string): DeliveryRow | undefined {
    return this.sql
      .exec<DeliveryRow>("SELECT * FROM deliveries WHERE event_id = ? AND destination_id = ?", eventId, destinationId)
      .toArray()[0];
  }

  /** Ends a queued delivery without sending it (blocked, not_supported). */
  closeDelivery(eventId: string, destinationId: string, end: { reason: string; status: DeliveryStatus }, now: number): void {
    this.sql.exec(
      `UPDATE deliveries SET decision = 'blocked', reason = ?, status = ?, next_attempt_at = NULL, updated_at = ?
       WHERE event_id = ? AND destination_id = ? AND status = 'pending'`,
      end.reason,
      end.status,
      now,
      eventId,
      destinationId,
    );
  }

  /** Of these events, those whose delivery to the destination still waits to be sent (not suppressed, blocked or done meanwhile). */
  pendingAmong(eventIds: string[], destinationId: string): Set<string> {
    const rows = this.sql.exec<{ event_id: string }>(
      "SELECT event_id FROM deliveries WHERE destination_id = ? AND status = 'pending' AND event_id IN (SELECT value FROM json_each(?))",
      destinationId,
      JSON.stringify(eventIds),
    );
    return new Set([...rows].map((row) => row.event_id));
  }

  /** Of these events, those with a subject withdrawn (and not expired) by `now`. */
  suppressedAmong(eventIds: string[], now: number): Set<string> {
    if (eventIds.length === 0 || !this.#anySuppressed(now)) return new Set();
    const rows = this.sql.exec<{ event_id: string }>(
      `SELECT DISTINCT keys.id AS event_id FROM (${SUBJECTS_OF_EVENTS} WHERE e.id IN (SELECT value FROM json_each(?))) keys
       JOIN suppressions s ON s.subject_key = keys.value WHERE s.expires_at > ?`,
      JSON.stringify(eventIds),
      now,
    );
    return new Set([...rows].map((row) => row.event_id));
  }

  addEventSubjects(eventId: string, keys: string[]): void {
    for (const key of keys)
      this.sql.exec("INSERT OR IGNORE INTO event_subjects (subject_key, event_id) VALUES (?, ?)", subjectIndexKey(key), eventId);
  }

  /**
   * The conversions stored under a join key, not their refunds and cancellations: what a consent
   * refusal reaches. An adjustment carries no buyer data and corrects what was sent earlier with
   * consent, so a later refusal does not hold it back (a withdrawal of the buyer does).
   */
  conversionIdsByJoinHash(joinHash: string): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM events WHERE join_hash = ? AND adjusts IS NULL", joinHash)
      .toArray()
      .map((r) => r.id);
  }

  getBeacon(joinHash: string, now: number): string | undefined {
    return this.sql.exec<{ body: string }>("SELECT body FROM beacons WHERE join_hash = ? AND expires_at > ?", joinHash, now).toArray()[0]
      ?.body;
  }

  /**
   * At least as many as the beacon rows stored: counted once per instance, then kept by every
   * write (a new join key adds one, erasure and purge take off what they deleted), so that the
   * limit check does not count every beacon on every beacon. Undefined until read.
   */
  #beaconRowsAtMost: number | undefined;

  /** Whether the tenant holds `limit` live beacons (join keys) or more; counted exactly only near the limit. */
  beaconsAtLimit(limit: number, now: number): boolean {
    this.#beaconRowsAtMost ??= this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM beacons").one().n;
    if (this.#beaconRowsAtMost < limit) return false;
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM beacons WHERE expires_at > ?", now).one().n >= limit;
  }

  /** Join hashes of the beacons whose click ids match any of these subject keys. */
  beaconJoinHashesForSubjects(keys: string[]): string[] {
    const hashes = new Set<string>();
    for (const key of keys) {
      for (const row of this.sql.exec<{ join_hash: string }>("SELECT join_hash FROM beacon_subjects WHERE subject_key = ?", key)) {
        hashes.add(row.join_hash);
      }
    }
    return [...hashes];
  }

  deleteBeacons(joinHashes: string[]): number {
    const deleted = this.storage.transactionSync(() => {
      let n = 0;
      for (const hash of joinHashes) {
        n += this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM beacons WHERE join_hash = ?", hash).one().n;
        this.sql.exec("DELETE FROM beacons WHERE join_hash = ?", hash);
        this.sql.exec("DELETE FROM beacon_subjects WHERE join_hash = ?", hash);
      }
      return n;
    });
    // Only once committed: a rolled-back delete must not lower the bound.
    this.#lowerBeaconBound(deleted);
    return deleted;
  }

  /** Refusals recorded for any of these scopes and still in force, by destination. */
  denials(scopes: string[], now: number): Map<string, string> {
    const out = new Map<string, string>();
    for (const scope of scopes) {
      const rows = this.sql.exec<{ destination_id: string; reason: string }>(
        "SELECT destination_id, reason FROM consent_denials WHERE scope = ? AND expires_at > ? ORDER BY created_at",
        scope,
        now,
      );
      for (const row of rows) if (!out.has(row.destination_id)) out.set(row.destination_id, row.reason);
    }
    return out;
  }

  /** Deletes the refusals recorded under these scopes ("join:<hash>", "event:<id>"). */
  deleteDenials(scopes: string[]): void {
    if (scopes.length > 0)
      this.sql.exec("DELETE FROM consent_denials WHERE scope IN (SELECT value FROM json_each(?))", JSON.stringify(scopes));
  }

  /** Records refusals; the first reason and time stand, the 24 h count from the latest refusal. */
  addDenials(scope: string, denials: { destinationId: string; reason: string }[], now: number, expiresAt: number): void {
    for (const d of denials) {
      // One refusal per scope and destination: the first one recorded, unless it is one Google's
      // denied flag states (an ad_user_data denial) and a later one blocks outright (a US opt-out,
      // a refused category): that one stands, or the denied flag would outlive it (sticky.ts).
      this.sql.exec(
        `INSERT INTO consent_denials (scope, destination_id, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, destination_id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at),
           reason = CASE WHEN reason IN (SELECT value FROM json_each(?)) AND excluded.reason NOT IN (SELECT value FROM json_each(?))
             THEN excluded.reason ELSE reason END`,
        scope,
        d.destinationId,
        d.reason,
        now,
        expiresAt,
        DENIED_FLAG_REFUSALS,
        DENIED_FLAG_REFUSALS,
      );
    }
  }

  /**
   * `added`: no live beacon had this join key (an expired row it replaces still counts, see
   * #beaconRowsAtMost). A join key's combined beacon keeps the 24 hours of the first beacon it
   * holds: a later beacon merged into it does not extend them, or a click id, IP or user agent
   * could be kept for days by a checkout that keeps sending beacons. Once they are over, the next
   * beacon starts a new row, and the expired one's click-id index rows go.
   */
  putBeacon(joinHash: string, body: string, now: number, expiresAt: number, subjectKeys: string[], added: boolean): void {
    if (added && this.#beaconRowsAtMost !== undefined) this.#beaconRowsAtMost++;
    if (added) this.sql.exec("DELETE FROM beacon_subjects WHERE join_hash = ?", joinHash);
    for (const key of subjectKeys) {
      this.sql.exec("INSERT OR IGNORE INTO beacon_subjects (subject_key, join_hash) VALUES (?, ?)", key, joinHash);
    }
    this.sql.exec(
      `INSERT INTO beacons (join_hash, body, received_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (join_hash) DO UPDATE SET body = excluded.body,
         received_at = CASE WHEN beacons.expires_at > excluded.received_at THEN beacons.received_at ELSE excluded.received_at END,
         expires_at = CASE WHEN beacons.expires_at > excluded.received_at THEN beacons.expires_at ELSE excluded.expires_at END`,
      joinHash,
      body,
      now,
      expiresAt,
    );
  }

  /**
   * The latest time any stored suppression holds until (0 for none), as this instance wrote it:
   * every suppression is written through addSuppressions, so while `now` is past it no subject is
   * suppressed and the lookups on the ingest and delivery paths are skipped. Undefined until read
   * once, and again after deleteAll().
   */
  #suppressedUntil: number | undefined;

  #anySuppressed(now: number): boolean {
    this.#suppressedUntil ??= this.sql.exec<{ at: number | null }>("SELECT MAX(expires_at) AS at FROM suppressions").one().at ?? 0;
    return now < this.#suppressedUntil;
  }

  /**
   * Suppresses these subject keys for 24 h (`erased`: nothing of them is stored again) and every
   * not-yet-sent delivery of these events; returns how many deliveries.
   */
  suppress(keys: string[], eventIds: string[], now: number, erased = false): number {
    this.addSuppressions(keys, now, now + RETENTION_MS, erased);
    const suppressed = this.suppressPending(eventIds, now);
    this.bumpCounter(now, "suppressed", "", suppressed);
    return suppressed;
  }

  /**
   * An order that goes with its buyer's withdrawal or erasure: its own keys (order id, checkout;
   * not the buyer's identifiers, see isOrderSubject) are suppressed, so a later refund or replay
   * of it is refused too, and so are the deliveries of its refunds that came first.
   */
  suppressOrder(subjectKeys: string[], refundIds: string[], now: number, erased: boolean): number {
    return this.suppress(subjectKeys.filter(isOrderSubject), refundIds, now, erased);
  }

  /** `erased`: written by an erasure (see suppressionOf); an erasure is never turned back into a withdrawal. */
  addSuppressions(keys: string[], now: number, expiresAt: number, erased = false): void {
    // Unread yet: the first read will see these rows. A rolled-back write only leaves it too high.
    if (keys.length > 0 && this.#suppressedUntil !== undefined) this.#suppressedUntil = Math.max(this.#suppressedUntil, expiresAt);
    for (const key of keys) {
      this.sql.exec(
        `INSERT INTO suppressions (subject_key, created_at, expires_at, erased) VALUES (?, ?, ?, ?)
         ON CONFLICT (subject_key) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at), erased = MAX(erased, excluded.erased)`,
        key,
        now,
        expiresAt,
        erased ? 1 : 0,
      );
    }
  }

  isSuppressed(keys: string[], now: number): boolean {
    return this.suppressionOf(keys, now) !== undefined;
  }

  /** Whether any of these subjects was withdrawn, or erased (which outranks a withdrawal); undefined if neither. */
  suppressionOf(keys: string[], now: number): "withdrawn" | "erased" | undefined {
    if (keys.length === 0 || !this.#anySuppressed(now)) return undefined;
    const erased = this.sql
      .exec<{ erased: number | null }>(
        "SELECT MAX(erased) AS erased FROM suppressions WHERE subject_key IN (SELECT value FROM json_each(?)) AND expires_at > ?",
        JSON.stringify(keys),
        now,
      )
      .one().erased;
    return erased === null ? undefined : erased ? "erased" : "withdrawn";
  }

  /** Whether any subject of the event has been withdrawn. */
  isEventSuppressed(eventId: string, now: number): boolean {
    return this.suppressedAmong([eventId], now).size > 0;
  }

  /**
   * The events with any of these subject keys: found by the indexed prefix (or the full key a
   * release before schema version 4 wrote), confirmed by the full key in the event's body.
   */
  eventIdsForSubjects(keys: string[]): string[] {
    const ids = new Set<string>();
    for (const key of keys) {
      const rows = this.sql.exec<{ event_id: string }>(
        `SELECT DISTINCT s.event_id FROM event_subjects s JOIN events e ON e.id = s.event_id
         WHERE s.subject_key IN (?, ?) AND EXISTS (
           SELECT 1 FROM ${SUBJECT_KEYS_OF_BODY} WHERE k.value = ?)`,
        subjectIndexKey(key),
        key,
        key,
      );
      for (const row of rows) ids.add(row.event_id);
    }
    return [...ids];
  }

  /** Every subject key these events carry, from their bodies. */
  subjectKeysOf(eventIds: string[]): string[] {
    if (eventIds.length === 0) return [];
    return this.sql
      .exec<{ value: string }>(
        `SELECT DISTINCT keys.value FROM (${SUBJECTS_OF_EVENTS} WHERE e.id IN (SELECT value FROM json_each(?))) keys`,
        JSON.stringify(eventIds),
      )
      .toArray()
      .map((row) => row.value);
  }

  /** The refunds and cancellations stored for these conversions: by their dedup key, or an alias they recorded. */
  adjustmentIdsOf(eventIds: string[]): string[] {
    if (eventIds.length === 0) return [];
    return this.sql
      .exec<{ id: string }>(
        `SELECT id FROM events WHERE adjusts IN (
           SELECT dedup_key FROM events WHERE id IN (SELECT value FROM json_each(?1))
           UNION SELECT alias FROM order_aliases WHERE event_id IN (SELECT value FROM json_each(?1)))`,
        JSON.stringify(eventIds),
      )
      .toArray()
      .map((row) => row.id);
  }

  /** Marks every not-yet-sent delivery of these events suppressed; returns how many. */
  suppressPending(eventIds: string[], now: number, destinationIds?: string[], reason = "withdrawn", held = true): number {
    let count = 0;
    for (const id of eventIds) {
      for (const row of this.deliveriesOf(id)) {
        if (row.status !== "pending") continue;
        // `held: false`: a delivery still waiting for its consent is left to be decided.
        if (!held && row.decision === "pending") continue;
        if (destinationIds && !destinationIds.includes(row.destination_id)) continue;
        this.sql.exec(
          `UPDATE deliveries SET status = 'suppressed', reason = ?, next_attempt_at = NULL, updated_at = ?
           WHERE event_id = ? AND destination_id = ?`,
          reason,
          now,
          id,
          row.destination_id,
        );
        count++;
      }
    }
    return count;
  }

  deleteEvents(ids: string[]): number {
    return this.storage.transactionSync(() => {
      for (const id of ids) {
        this.sql.exec("DELETE FROM deliveries WHERE event_id = ?", id);
        this.sql.exec(`DELETE FROM event_subjects WHERE (subject_key, event_id) IN (${SUBJECT_ROWS_OF_EVENTS} WHERE e.id = ?)`, id);
        this.sql.exec("DELETE FROM order_aliases WHERE event_id = ?", id);
        this.sql.exec("DELETE FROM delivery_requests WHERE event_id = ?", id);
        this.sql.exec("DELETE FROM events WHERE id = ?", id);
      }
      return ids.length;
    });
  }

  /** Due deliveries, in the order their events arrived among those due together (the events rowid), leaving out destinations whose lane is still busy with an earlier run. */
  dueDeliveries(now: number, limit: number, busyDestinations: string[] = []): DueDelivery[] {
    return this.sql
      .exec<DueDelivery>(
        `SELECT d.*, e.expires_at, e.body FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.decision != 'pending' AND d.next_attempt_at <= ? AND e.enrich_pending = 0
           AND d.destination_id NOT IN (SELECT value FROM json_each(?))
         ORDER BY d.next_attempt_at, e.rowid LIMIT ?`,
        now,
        JSON.stringify(busyDestinations),
        limit,
      )
      .toArray();
  }

  /**
   * Marks deliveries as being sent: should the object die mid-request, they come due again
   * after the lease, and are resent under the same id.
   */
  lease(eventIds: string[], destinationId: string, until: number): void {
    this.sql.exec(
      "UPDATE deliveries SET next_attempt_at = ? WHERE destination_id = ? AND status = 'pending' AND event_id IN (SELECT value FROM json_each(?))",
      until,
      destinationId,
      JSON.stringify(eventIds),
    );
  }

  /**
   * A destination took these events: one statement for a whole request. `delivered` stands even
   * if a cancellation suppressed the row while the request was on the wire (it did reach the
   * destination); `validated` (test traffic) only replaces a pending row.
   */
  markDelivered(eventIds: string[], destinationId: string, status: "delivered" | "validated", now: number): void {
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL, updated_at = ?
       WHERE destination_id = ? AND event_id IN (SELECT value FROM json_each(?)) AND (status = 'pending' OR ? = 'delivered')`,
      status,
      now,
      destinationId,
      JSON.stringify(eventIds),
      status,
    );
  }

  updateDelivery(
    eventId: string,
    destinationId: string,
    patch: { status: DeliveryStatus; attempts: number; nextAttemptAt: number | null; lastError: string | null },
    now: number,
  ): void {
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
       WHERE event_id = ? AND destination_id = ? AND (status = 'pending' OR ? IN ('delivered', 'processing'))`,
      patch.status,
      patch.attempts,
      patch.nextAttemptAt,
      patch.lastError,
      now,
      eventId,
      destinationId,
      patch.status,
    );
  }

  /** Deletes everything received 24 h ago or more: events, deliveries, beacons, suppressions. */
  purgeExpired(now: number): PurgeCounts {
    const purged = this.#purgeExpired(now);
    // Only once committed: a rolled-back purge must not lower the bound.
    this.#lowerBeaconBound(purged.beacons);
    return purged;
  }

  #lowerBeaconBound(deleted: number): void {
    if (this.#beaconRowsAtMost !== undefined) this.#beaconRowsAtMost = Math.max(0, this.#beaconRowsAtMost - deleted);
  }

  #purgeExpired(now: number): PurgeCounts {
    return this.storage.transactionSync(() => {
      const countWhere = (table: string) =>
        this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE expires_at <= ?`, now).one().n;
      const eventIds = this.sql
        .exec<{ id: string }>("SELECT id FROM events WHERE expires_at <= ?", now)
        .toArray()
        .map((r) => r.id);
      const counts = { eventIds, events: eventIds.length, beacons: countWhere("beacons"), suppressions: countWhere("suppressions") };
      if (counts.events > 0) {
        const expired = "SELECT id FROM events WHERE expires_at <= ?";
        this.sql.exec(`DELETE FROM deliveries WHERE event_id IN (${expired})`, now);
        this.sql.exec(
          `DELETE FROM event_subjects WHERE (subject_key, event_id) IN (${SUBJECT_ROWS_OF_EVENTS} WHERE e.expires_at <= ?)`,
          now,
        );
        this.sql.exec(`DELETE FROM order_aliases WHERE event_id IN (${expired})`, now);
        // A request id still polled, and a refusal recorded for the event alone, go with the event.
        this.sql.exec(`DELETE FROM delivery_requests WHERE event_id IN (${expired})`, now);
        this.sql.exec(`DELETE FROM consent_denials WHERE scope IN (SELECT 'event:' || id FROM events WHERE expires_at <= ?)`, now);
        this.sql.exec("DELETE FROM events WHERE expires_at <= ?", now);
      }
      if (counts.beacons > 0) {
        this.sql.exec("DELETE FROM beacons WHERE expires_at <= ?", now);
        this.sql.exec("DELETE FROM beacon_subjects WHERE join_hash NOT IN (SELECT join_hash FROM beacons)");
      }
      this.sql.exec("DELETE FROM consent_denials WHERE expires_at <= ?", now);
      if (counts.suppressions > 0) this.sql.exec("DELETE FROM suppressions WHERE expires_at <= ?", now);
      return counts;
    });
  }

  /**
   * The earliest moment there is work: a due delivery or something to purge. Deliveries to the
   * busy destinations count no sooner than `busyWakeAt`.
   */
  nextWakeAt(busyDestinations: string[], busyWakeAt: number): number | null {
    const row = this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(CASE WHEN destination_id IN (SELECT value FROM json_each(?1))
                           THEN MAX(next_attempt_at, ?2) ELSE next_attempt_at END) AS at FROM deliveries
             WHERE status IN ('pending', 'processing')
           UNION ALL SELECT MIN(expires_at) AS at FROM events
           UNION ALL SELECT MIN(expires_at) AS at FROM beacons
           UNION ALL SELECT MIN(expires_at) AS at FROM suppressions
           UNION ALL SELECT MIN(expires_at) AS at FROM consent_denials)`,
        JSON.stringify(busyDestinations),
        busyWakeAt,
      )
      .one();
    return row.at ?? null;
  }

  getEvent(id: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ?", id).toArray()[0];
  }

  deliveriesOf(eventId: string): DeliveryRow[] {
    return this.sql.exec<DeliveryRow>("SELECT * FROM deliveries WHERE event_id = ? ORDER BY destination_id", eventId).toArray();
  }

  listEvents(filter: EventFilter): EventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    // The delivery filters apply to one and the same delivery: "failed at Meta", not "failed
    // somewhere, and sent to Meta".
    const delivery: string[] = [];
    for (const [column, value] of [
      ["status", filter.status],
      ["destination_id", filter.destinationId],
      ["reason", filter.reason],
    ] as const) {
      if (value === undefined) continue;
      delivery.push(`${column} = ?`);
      args.push(value);
    }
    if (delivery.length > 0) where.push(`id IN (SELECT event_id FROM deliveries WHERE ${delivery.join(" AND ")})`);
    if (filter.orderId !== undefined) {
      where.push("order_id = ?");
      args.push(filter.orderId);
    }
    if (filter.since !== undefined) {
      where.push("received_at >= ?");
      args.push(filter.since);
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // Newest first; events of one millisecond by arrival (rowid), not by their ids' random bits.
    return this.sql
      .exec<EventRow>(`SELECT * FROM events ${clause} ORDER BY received_at DESC, rowid DESC LIMIT ?`, ...args, filter.limit)
      .toArray();
  }

  count(
    table:
      | "events"
      | "deliveries"
      | "beacons"
      | "suppressions"
      | "event_subjects"
      | "beacon_subjects"
      | "consent_denials"
      | "circuits"
      | "lane_holds"
      | "counters",
  ): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
  }

  bumpCounter(now: number, metric: string, destinationId = "", by = 1): void {
    if (by === 0) return;
    this.sql.exec(
      `INSERT INTO counters (hour, metric, destination_id, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (hour, metric, destination_id) DO UPDATE SET count = count + excluded.count`,
      hourOf(now),
      metric,
      destinationId,
      by,
    );
  }

  dropCountersBefore(ms: number): void {
    this.sql.exec("DELETE FROM counters WHERE hour < ?", hourOf(ms));
  }

  counters(sinceMs: number): CounterRow[] {
    return this.sql.exec<CounterRow>("SELECT * FROM counters WHERE hour >= ? ORDER BY hour, metric", hourOf(sinceMs)).toArray();
  }
}
