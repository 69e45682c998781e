import { log } from "../../src/platform/log";
import type { RelayStore } from "./store";

/** Counters stay in the object this long (the stats endpoint reads the last 24 h from here). */
const KEEP_IN_OBJECT_MS = 26 * 60 * 60 * 1000;

/**
 * Copies the object's personal-data-free hourly counters into D1 `hourly_stats`, where they
 * outlive the events (D1 holds the hourly aggregates), and drops old ones from the object.
 * Runs once per hour of the clock, not on every alarm, to keep D1 off the delivery path.
 * Idempotent: a row is written with its full count, so a repeated flush changes nothing.
 */
export async function flushAggregates(
  db: D1Database,
  store: RelayStore,
  tenantId: string,
  now: number,
  lastFlushedHour: string | undefined,
): Promise<string | undefined> {
  const hour = new Date(now).toISOString().slice(0, 13);
  if (hour === lastFlushedHour) return lastFlushedHour;
  const rows = store.counters(now - KEEP_IN_OBJECT_MS);
  if (rows.length === 0) return hour;
  if (rows.length === 0) return;
  try {
    await db.batch(
      rows.map((r) =>
        db
          .prepare(
            `INSERT INTO hourly_stats (tenant_id, hour, metric, destination_id, count) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, hour, metric, destination_id) DO UPDATE SET count = excluded.count`,
          )
          .bind(tenantId, r.hour, r.metric, r.destination_id, r.count),
      ),
    );
    store.dropCountersBefore(now - KEEP_IN_OBJECT_MS);
    return hour;
  } catch (err) {
    // Aggregates are a convenience; the next run tries again.
    log.warn("aggregates_flush_failed", { tenantId, errorName: err instanceof Error ? err.name : "unknown" });
    return lastFlushedHour;
  }
}
