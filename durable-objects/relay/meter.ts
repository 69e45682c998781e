/**
 * Storage operation counts for the benchmark (`npm run bench`, BENCH_PROFILE = "1" only): how
 * many SQL statements, rows read and written, KV calls and alarm writes the object makes, so the
 * cost of the write path per event is a number. Off by default: the object then gets the real
 * state, untouched.
 *
 * Rows come from the cursors (SqlStorageCursor.rowsRead / rowsWritten,
 * https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#returns), which are
 * final only once a cursor is consumed, so each cursor is read when the next statement starts
 * (and when the counts are read).
 */
export interface StorageCounts {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  kvReads: number;
  kvWrites: number;
  alarmReads: number;
  alarmWrites: number;
  /** transactionSync calls: one per group of ingests (relay/group-commit.ts), one per adjustment. */
  transactions: number;
}

export class StorageMeter {
  counts: StorageCounts = zero();
  #open: SqlStorageCursor<Record<string, SqlStorageValue>> | undefined;

  /** The counts so far; `reset` starts new ones. */
  read(reset = false): StorageCounts {
    this.#settle();
    const out = { ...this.counts };
    if (reset) this.counts = zero();
    return out;
  }

  #settle(): void {
    if (!this.#open) return;
    this.counts.rowsRead += this.#open.rowsRead;
    this.counts.rowsWritten += this.#open.rowsWritten;
    this.#open = undefined;
  }

  sql(real: SqlStorage): SqlStorage {
    return new Proxy(real, {
      get: (target, prop) => {
        if (prop === "exec") {
          return (query: string, ...bindings: unknown[]) => {
            this.#settle();
            this.counts.statements++;
            const cursor = target.exec(query, ...bindings);
            this.#open = cursor;
            return cursor;
          };
        }
        return bound(target, prop);
      },
    });
  }

  kv(real: SyncKvStorage): SyncKvStorage {
    return new Proxy(real, {
      get: (target, prop) => {
        if (prop === "get" || prop === "list") this.counts.kvReads++;
        if (prop === "put" || prop === "delete") this.counts.kvWrites++;
        return bound(target, prop);
      },
    });
  }

  storage(real: DurableObjectStorage): DurableObjectStorage {
    const sql = this.sql(real.sql);
    const kv = this.kv(real.kv);
    return new Proxy(real, {
      get: (target, prop) => {
        if (prop === "sql") return sql;
        if (prop === "kv") return kv;
        if (prop === "getAlarm") this.counts.alarmReads++;
        if (prop === "setAlarm" || prop === "deleteAlarm") this.counts.alarmWrites++;
        if (prop === "transactionSync") this.counts.transactions++;
        return bound(target, prop);
      },
    });
  }
}

function zero(): StorageCounts {
  return { statements: 0, rowsRead: 0, rowsWritten: 0, kvReads: 0, kvWrites: 0, alarmReads: 0, alarmWrites: 0, transactions: 0 };
}

/** A member of a native object, with methods bound to it (they refuse a Proxy as `this`). */
function bound(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target);
  return typeof value === "function" ? value.bind(target) : value;
}

const meters = new WeakMap<DurableObjectState, StorageMeter>();

/**
 * The state the object works with: the real one, or (benchmark) one whose storage is metered.
 * The meter is found again with `meterOf(state)`.
 */
export function meteredState(ctx: DurableObjectState, enabled: boolean): DurableObjectState {
  if (!enabled) return ctx;
  const meter = new StorageMeter();
  const storage = meter.storage(ctx.storage);
  const state = new Proxy(ctx, {
    get: (target, prop) => (prop === "storage" ? storage : bound(target, prop)),
  });
  meters.set(state, meter);
  return state;
}

export function meterOf(ctx: DurableObjectState): StorageMeter | undefined {
  return meters.get(ctx);
}
