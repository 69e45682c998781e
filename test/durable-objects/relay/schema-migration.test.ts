import { runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { RELAY_MIGRATIONS, RELAY_SCHEMA } from "../../../durable-objects/relay/schema";
import { RelayStore } from "../../../durable-objects/relay/store";
import { relay } from "../../helpers/relay";

const LATEST = RELAY_MIGRATIONS.at(-1)!.version;

/** Rebuilds an object's storage as a release at schema version 2 left it, with one event in it. */
function atVersion2(sql: SqlStorage): void {
  for (const { name, type } of sql
    .exec<{ name: string; type: string }>(
      "SELECT name, type FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .toArray())
    if (type === "table") sql.exec(`DROP TABLE IF EXISTS "${name}"`);
  for (const statement of RELAY_SCHEMA) sql.exec(statement);
  // Version 2's baseline also indexed subject keys by event.
  sql.exec("CREATE INDEX event_subjects_event ON event_subjects (event_id)");
  for (const statement of RELAY_MIGRATIONS.find((m) => m.version === 2)!.statements) sql.exec(statement);
  sql.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
  sql.exec("INSERT INTO schema_version (version) VALUES (2)");
  sql.exec(
    `INSERT INTO events (id, dedup_key, source_id, order_id, received_at, expires_at, join_hash, enrich_pending, body)
     VALUES ('evt_1', 'std:o-1', 'std', 'o-1', 1, 86400001, 'j1', 0, '{}')`,
  );
  sql.exec(
    `INSERT INTO deliveries (event_id, destination_id, type, decision, reason, status, attempts, next_attempt_at, last_error, updated_at)
     VALUES ('evt_1', 'meta', 'meta', 'send', 'granted', 'pending', 2, 500, 'http_500', 400)`,
  );
  // The last row's event is gone: version 3 sweeps it.
  sql.exec(
    "INSERT INTO event_subjects (subject_key, event_id) VALUES (?, 'evt_1'), (?, 'evt_1'), (?, 'evt_gone')",
    `em:${"a".repeat(64)}`,
    `order:${"d".repeat(64)}`,
    `em:${"0".repeat(64)}`,
  );
  sql.exec("INSERT INTO counters (hour, metric, destination_id, count) VALUES ('2026-12-04T15', 'received', '', 7)");
  sql.exec("INSERT INTO suppressions (subject_key, created_at, expires_at) VALUES ('em:withdrawn', 1, 86400001)");
}

it("migrates a version-2 object to the latest version with its deliveries and subject keys intact", async () => {
  await runInDurableObject(relay("t-schema-v3"), (_instance, state) => {
    const sql = state.storage.sql;
    atVersion2(sql);
    new RelayStore(state.storage).ensureSchema();

    expect(sql.exec("SELECT MAX(version) AS v FROM schema_version").one().v).toBe(LATEST);
    expect(sql.exec("SELECT * FROM deliveries").toArray()).toEqual([
      {
        event_id: "evt_1",
        destination_id: "meta",
        type: "meta",
        decision: "send",
        reason: "granted",
        status: "pending",
        attempts: 2,
        next_attempt_at: 500,
        last_error: "http_500",
        updated_at: 400,
      },
    ]);
    expect(sql.exec("SELECT subject_key, event_id FROM event_subjects ORDER BY subject_key").toArray()).toEqual([
      // Version 4 keeps the kind and the first 16 hex digits of each.
      { subject_key: "em:aaaaaaaaaaaaaaaa", event_id: "evt_1" },
      { subject_key: "order:dddddddddddddddd", event_id: "evt_1" },
    ]);
    expect(sql.exec("SELECT hour, metric, destination_id, count FROM counters").toArray()).toEqual([
      { hour: "2026-12-04T15", metric: "received", destination_id: "", count: 7 },
    ]);
    // A suppression written before version 5 was a withdrawal.
    expect(sql.exec("SELECT * FROM suppressions").toArray()).toEqual([
      { subject_key: "em:withdrawn", created_at: 1, expires_at: 86400001, erased: 0 },
    ]);
    const ddl = (name: string) => String(sql.exec("SELECT sql FROM sqlite_master WHERE name = ?", name).one().sql);
    expect(ddl("deliveries")).toMatch(/WITHOUT ROWID/);
    expect(ddl("event_subjects")).toMatch(/WITHOUT ROWID/);
    expect(ddl("counters")).toMatch(/WITHOUT ROWID/);
    expect(ddl("events_join")).toMatch(/WHERE join_hash IS NOT NULL/);
    expect(ddl("events_adjusts")).toMatch(/WHERE adjusts IS NOT NULL/);
    expect(ddl("deliveries_due")).toMatch(/\(status, next_attempt_at\)/);

    // A second start finds the latest version and changes nothing (the baseline does not bring
    // back the index by event that version 3 dropped).
    new RelayStore(state.storage).ensureSchema();
    expect(sql.exec("SELECT COUNT(*) AS n FROM deliveries").one().n).toBe(1);
    expect(sql.exec("SELECT name FROM sqlite_master WHERE tbl_name = 'event_subjects' AND type = 'index'").toArray()).toEqual([]);
  });
});

it("writes fewer b-tree entries per stored event than version 2 did", async () => {
  await runInDurableObject(relay("t-schema-rows"), (_instance, state) => {
    const store = new RelayStore(state.storage);
    store.ensureSchema();
    const written = () =>
      state.storage.transactionSync(() => {
        let rows = 0;
        const exec = state.storage.sql.exec.bind(state.storage.sql);
        const counting = ((query: string, ...bindings: SqlStorageValue[]) => {
          const cursor = exec(query, ...bindings);
          cursor.toArray();
          rows += cursor.rowsWritten;
          return cursor;
        }) as SqlStorage["exec"];
        Object.defineProperty(state.storage.sql, "exec", { value: counting, configurable: true });
        try {
          store.insertEvent(
            {
              id: `evt_${Math.random().toString(36).slice(2)}`,
              dedup_key: `std:${Math.random()}`,
              source_id: "std",
              order_id: "o",
              received_at: 1,
              expires_at: 86_400_001,
              join_hash: null,
              enrich_pending: 0,
              body: "{}",
            },
            [{ destinationId: "meta", type: "meta", decision: "send", reason: "granted", status: "pending", nextAttemptAt: 1 }],
            ["em:a", "ph:b", "xid:c", "order:d", "fbp:e"],
            1,
          );
        } finally {
          Object.defineProperty(state.storage.sql, "exec", { value: exec, configurable: true });
        }
        return rows;
      });
    // The event (row, id key, dedup key, received and expiry indexes), 5 subject keys (one key
    // entry each) and one delivery (key + due index): 5 + 5 + 2. Version 2 wrote 7 + 15 + 3.
    expect(written()).toBe(12);
  });
});
