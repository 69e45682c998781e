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
 * Only this object's own requests are grouped, and the object is the tenant's: nothing crosses
 * tenants. A flush that throws is retried one item at a time (see TenantRelay), so one bad event
 * fails its own request only.
 */
/**
 * How long the first waiting ingest holds the flush open. Measured with `npm run bench` (32
 * connections): a next-macrotask flush grouped about 9 webhooks per commit (0.72 × the floor's
 * throughput); 2 ms groups about 12 (0.75 ×); 5 ms grouped 14 with no further gain. Two
 * milliseconds is nothing against a platform's webhook timeout (seconds).
 */
export const GROUP_WINDOW_MS = 2;

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  #waiting: Waiting<I, O>[] = [];

  /** `flush` gets the items in arrival order and settles each, in the same order. */
  constructor(private readonly flush: (items: I[]) => Promise<Settled<O>[]>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#waiting.length === 1) setTimeout(() => void this.#run(), GROUP_WINDOW_MS);
    });
  }

  async #run(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    let settled: Settled<O>[];
    try {
      settled = await this.flush(batch.map((w) => w.item));
    } catch (error) {
      settled = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((w, i) => {
      const s = settled[i] ?? { ok: false, error: new Error("group commit: no result for a request") };
      if (s.ok) w.resolve(s.value);
      else w.reject(s.error);
    });
  }
}
