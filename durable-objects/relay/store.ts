import type { Decision } from "../../src/consent/decide";
import { RELAY_SCHEMA } from "./schema";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "blocked" | "suppressed" | "expired";

export interface NewDelivery {
  destinationId: string;
  type: string;
  decision: Decision;
  reason: string;
}

export type DeliveryRow = {
  event_id: string;
  destination_id: string;
  type: string;
  decision: Decision;
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
  /** The hashed RelayEvent as JSON; never raw personal data. */
  body: string;
};

export type DueDelivery = DeliveryRow & {
  expires_at: number;
  body: string;
};

export interface EventFilter {
  status?: DeliveryStatus;
  since?: number;
  limit: number;
}

export type CounterRow = {
  hour: string;
  metric: string;
  destination_id: string;
  count: number;
};

function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Synchronous SQL access for TenantRelay; every method is one consistent step. */
export class RelayStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql() {
    return this.storage.sql;
  }

  ensureSchema(): void {
    for (const statement of RELAY_SCHEMA) this.sql.exec(statement);
  }

  findEventIdByDedupKey(dedupKey: string): string | undefined {
    return this.sql.exec<{ id: string }>("SELECT id FROM events WHERE dedup_key = ?", dedupKey).toArray()[0]?.id;
  }

  insertEvent(row: EventRow & { dedup_key: string }, deliveries: NewDelivery[], now: number): void {
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO events (id, dedup_key, source_id, order_id, received_at, expires_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        row.id,
        row.dedup_key,
        row.source_id,
        row.order_id,
        row.received_at,
        row.expires_at,
        row.body,
      );
      for (const d of deliveries) {
        const sendable = d.decision !== "blocked";
        this.sql.exec(
          `INSERT INTO deliveries (event_id, destination_id, type, decision, reason, status, next_attempt_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          row.id,
          d.destinationId,
          d.type,
          d.decision,
          d.reason,
          sendable ? "pending" : "blocked",
          sendable ? now : null,
          now,
        );
      }
    });
  }

  dueDeliveries(now: number, limit: number): DueDelivery[] {
    return this.sql
      .exec<DueDelivery>(
        `SELECT d.*, e.expires_at, e.body FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  updateDelivery(
    eventId: string,
    destinationId: string,
    patch: { status: DeliveryStatus; attempts: number; nextAttemptAt: number | null; lastError: string | null },
    now: number,
  ): void {
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
       WHERE event_id = ? AND destination_id = ?`,
      patch.status,
      patch.attempts,
      patch.nextAttemptAt,
      patch.lastError,
      now,
      eventId,
      destinationId,
    );
  }

  /** Deletes every event received 24 h ago or more, with its deliveries; returns the count. */
  purgeExpired(now: number): number {
    return this.storage.transactionSync(() => {
      const expired = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE expires_at <= ?", now).one().n;
      if (expired === 0) return 0;
      this.sql.exec("DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE expires_at <= ?)", now);
      this.sql.exec("DELETE FROM events WHERE expires_at <= ?", now);
      return expired;
    });
  }

  /** The earliest moment there is work: a due delivery or an event to purge. */
  nextWakeAt(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'
           UNION ALL SELECT MIN(expires_at) AS at FROM events)`,
      )
      .one();
    return row.at ?? null;
  }

  getEvent(id: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ?", id).toArray()[0];
  }

  deliveriesOf(eventId: string): DeliveryRow[] {
    return this.sql
      .exec<DeliveryRow>("SELECT * FROM deliveries WHERE event_id = ? ORDER BY destination_id", eventId)
      .toArray();
  }

  listEvents(filter: EventFilter): EventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.status) {
      where.push("id IN (SELECT event_id FROM deliveries WHERE status = ?)");
      args.push(filter.status);
    }
    if (filter.since !== undefined) {
      where.push("received_at >= ?");
      args.push(filter.since);
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    return this.sql
      .exec<EventRow>(`SELECT * FROM events ${clause} ORDER BY received_at DESC, id LIMIT ?`, ...args, filter.limit)
      .toArray();
  }

  count(table: "events" | "deliveries"): number {
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

  counters(sinceMs: number): CounterRow[] {
    return this.sql.exec<CounterRow>("SELECT * FROM counters WHERE hour >= ? ORDER BY hour, metric", hourOf(sinceMs)).toArray();
  }
}
