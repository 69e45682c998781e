/**
 * Group commit for the ingest path. Every write a Durable Object makes in one turn is committed
 * to its SQLite database as one transaction, and the object's answers wait for that commit (its
 * output gate: https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/). A
 * commit costs an fsync and a write of every page it touched, so one commit per webhook is the
 * largest cost of an ingest under load (`npm run bench`). Requests that arrive while one is
 * waiting are therefore written together: the first one schedules a flush GROUP_WINDOW_MS later,
 * and everything that arrives until then (the object keeps taking requests while a timer is
 * pending; only storage awaits close its input gate) is decided and written in one synchronous
 * pass. No request is answered before its write is durable.
 *
 * Another request that changes what a waiting item would see (a refund of its order, an erasure)
 * calls `drain()` first, so the items are written before it, in arrival order, as without
 * grouping. Only this object's own requests are grouped, and the object is the tenant's: nothing
 * crosses tenants.
 */

/**
 * How long the first waiting ingest holds the flush open. Measured with `npm run bench` (32
 * connections): a next-macrotask flush grouped about 9 webhooks per commit (0.72 × the floor's
 * throughput); 2 ms groups about 12 (0.75 ×); 5 ms grouped 14 with no further gain. Two
 * milliseconds is nothing against a platform's webhook timeout (seconds).
 */
export const GROUP_WINDOW_MS = 2;

/** A group is written at once when it reaches this size: bounded work per flush. */
export const MAX_GROUP = 256;

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, W, O> {
  #waiting: Waiting<I, O>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param write decides and writes a group, synchronously, in arrival order; settles each item.
   * @param finish runs after the write (e.g. sets the alarm) and turns each written item into its answer.
   */
  constructor(
    private readonly write: (items: I[]) => Settled<W>[],
    private readonly finish: (written: Settled<W>[]) => Promise<Settled<O>[]>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#waiting.length >= MAX_GROUP) this.drain();
      else if (this.#waiting.length === 1) this.#timer = setTimeout(() => this.drain(), GROUP_WINDOW_MS);
    });
  }

  /** Writes what is waiting now, synchronously; its answers follow once `finish` is done. */
  drain(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const group = this.#waiting;
    if (group.length === 0) return;
    this.#waiting = [];
    let written: Settled<W>[];
    try {
      written = this.write(group.map((w) => w.item));
    } catch (error) {
      written = group.map(() => ({ ok: false, error }));
    }
    void this.#answer(group, written);
  }

  async #answer(group: Waiting<I, O>[], written: Settled<W>[]): Promise<void> {
    let settled: Settled<O>[];
    try {
      settled = await this.finish(written);
    } catch (error) {
      settled = group.map(() => ({ ok: false, error }));
    }
    group.forEach((w, i) => {
      const s = settled[i] ?? { ok: false, error: new Error("group commit: no result for a request") };
      if (s.ok) w.resolve(s.value);
      else w.reject(s.error);
    });
  }
}
