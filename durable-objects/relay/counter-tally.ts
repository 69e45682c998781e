import type { RelayStore } from "./store";

/**
 * Hourly counter increments gathered over one group of ingests (relay/group-commit.ts) and
 * written as one upsert per counter: twelve webhooks in a commit bump `received` once by twelve
 * instead of twelve times by one. Written inside the same transaction as the events it counts.
 */
export class CounterTally {
  readonly #counts = new Map<string, { metric: string; destinationId: string; by: number }>();

  add(metric: string, destinationId = "", by = 1): void {
    const key = `${metric}\u0000${destinationId}`;
    const entry = this.#counts.get(key);
    if (entry) entry.by += by;
    else this.#counts.set(key, { metric, destinationId, by });
  }

  writeTo(store: RelayStore, now: number): void {
    for (const { metric, destinationId, by } of this.#counts.values()) store.bumpCounter(now, metric, destinationId, by);
    this.#counts.clear();
  }
}
