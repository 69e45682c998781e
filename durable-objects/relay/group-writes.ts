import type { NewEvent, RelayStore } from "./store";

/**
 * What one group of ingests (relay/group-commit.ts) writes, gathered while its events are decided
 * and written at the end of the group, inside its transaction: the events with their subject
 * keys, aliases and deliveries as one multi-row INSERT per table, and each hourly counter as one
 * upsert (twelve webhooks bump `received` once by twelve). Statements per event were a measured
 * cost of the ingest path (`npm run bench`).
 *
 * An event waiting here is not in the tables yet: `isWaiting` answers for its dedup key, and
 * `writeTo` must run before anything reads the events or deliveries tables for it.
 */
export class GroupWrites {
  readonly #counts = new Map<string, { metric: string; destinationId: string; by: number }>();
  #events: NewEvent[] = [];
  readonly #waiting = new Set<string>();

  count(metric: string, destinationId = "", by = 1): void {
    const key = `${metric}\u0000${destinationId}`;
    const entry = this.#counts.get(key);
    if (entry) entry.by += by;
    else this.#counts.set(key, { metric, destinationId, by });
  }

  addEvent(event: NewEvent): void {
    this.#events.push(event);
    this.#waiting.add(event.row.dedup_key);
  }

  /** Whether an event of this group with that dedup key waits to be written. */
  isWaiting(dedupKey: string): boolean {
    return this.#waiting.has(dedupKey);
  }

  writeTo(store: RelayStore, now: number): void {
    store.insertEvents(this.#events, now);
    this.#events = [];
    this.#waiting.clear();
    for (const { metric, destinationId, by } of this.#counts.values()) store.bumpCounter(now, metric, destinationId, by);
    this.#counts.clear();
  }
}
