import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TenantRelay } from "../../../durable-objects/TenantRelay";
import { RelayStore, subjectIndexKey } from "../../../durable-objects/relay/store";
import { RELAY_MIGRATIONS } from "../../../durable-objects/relay/schema";
import { clock } from "../../../src/platform/clock";
import { advance, useTestClock } from "../../helpers/clock";
import { relay } from "../../helpers/relay";

useTestClock();

// Two subject keys of one kind whose hashes share their first 64 bits: the index holds one
// prefix for both, and only the full key in each event's body tells them apart.
const PREFIX = "ab".repeat(8);
const ALICE = `em:${PREFIX}${"1".repeat(48)}`;
const BOB = `em:${PREFIX}${"2".repeat(48)}`;

function storeEvent(store: RelayStore, id: string, subjectKeys: string[]): void {
  const now = clock.now();
  store.insertEvent(
    {
      id,
      dedup_key: `std:${id}`,
      source_id: "std",
      order_id: id,
      received_at: now,
      expires_at: now + 86_400_000,
      join_hash: null,
      enrich_pending: 0,
      body: JSON.stringify({ sourceId: "std", orderId: id, subjectKeys }),
    },
    [{ destinationId: "meta", type: "meta", decision: "send", reason: "granted", status: "pending", nextAttemptAt: now + 60_000 }],
    subjectKeys,
    now,
  );
}

function statusOf(state: DurableObjectState, id: string): string {
  return String(state.storage.sql.exec("SELECT status FROM deliveries WHERE event_id = ?", id).one().status);
}

describe("subject index (event_subjects)", () => {
  it("keeps the kind and the first 64 bits of the hash", () => {
    expect(subjectIndexKey(ALICE)).toBe(`em:${PREFIX}`);
    expect(subjectIndexKey("order:0123")).toBe("order:0123");
  });

  it("a withdrawal reaches only the events of the full key, not those that share its prefix", async () => {
    await runInDurableObject(relay("t-subject-prefix"), async (instance: TenantRelay, state) => {
      const store = new RelayStore(state.storage);
      store.ensureSchema();
      storeEvent(store, "evt_alice", [ALICE]);
      storeEvent(store, "evt_bob", [BOB]);
      // Both rows sit under the same indexed prefix.
      expect(state.storage.sql.exec("SELECT subject_key, event_id FROM event_subjects ORDER BY event_id").toArray()).toEqual([
        { subject_key: `em:${PREFIX}`, event_id: "evt_alice" },
        { subject_key: `em:${PREFIX}`, event_id: "evt_bob" },
      ]);

      expect(await instance.withdraw([ALICE])).toEqual({ suppressed: 1, matchedEvents: 1 });
      expect(statusOf(state, "evt_alice")).toBe("suppressed");
      expect(statusOf(state, "evt_bob")).toBe("pending");
    });
  });

  it("an erasure deletes only the events of the full key, with their index rows; the other event stays findable", async () => {
    await runInDurableObject(relay("t-subject-erase"), async (instance: TenantRelay, state) => {
      const store = new RelayStore(state.storage);
      store.ensureSchema();
      storeEvent(store, "evt_alice", [ALICE, `order:${"c".repeat(64)}`]);
      storeEvent(store, "evt_bob", [BOB]);

      expect(await instance.eraseSubjects([BOB])).toMatchObject({ erasedEvents: 1 });
      expect(state.storage.sql.exec("SELECT id FROM events").toArray()).toEqual([{ id: "evt_alice" }]);
      expect(state.storage.sql.exec("SELECT subject_key, event_id FROM event_subjects ORDER BY subject_key").toArray()).toEqual([
        { subject_key: `em:${PREFIX}`, event_id: "evt_alice" },
        { subject_key: `order:${"c".repeat(16)}`, event_id: "evt_alice" },
      ]);
      expect(store.eventIdsForSubjects([ALICE])).toEqual(["evt_alice"]);
      expect(store.eventIdsForSubjects([BOB])).toEqual([]);
    });
  });

  it("purge removes the index rows of expired events only", async () => {
    await runInDurableObject(relay("t-subject-purge"), (_instance: TenantRelay, state) => {
      const store = new RelayStore(state.storage);
      store.ensureSchema();
      storeEvent(store, "evt_alice", [ALICE]);
      advance(60_000);
      storeEvent(store, "evt_bob", [BOB]);
      store.purgeExpired(clock.now() - 60_000 + 86_400_000);
      expect(state.storage.sql.exec("SELECT event_id FROM event_subjects").toArray()).toEqual([{ event_id: "evt_bob" }]);
      expect(store.eventIdsForSubjects([BOB])).toEqual(["evt_bob"]);
    });
  });

  it("version 4 shortens the full keys an earlier release stored, and lookups still find their events", async () => {
    await runInDurableObject(relay("t-subject-v4"), (_instance: TenantRelay, state) => {
      const sql = state.storage.sql;
      new RelayStore(state.storage).ensureSchema();
      // As version 3 left it: full keys in the index (two of one event share a prefix).
      storeEvent(new RelayStore(state.storage), "evt_alice", [ALICE, BOB, "order:ff"]);
      sql.exec("DELETE FROM event_subjects");
      sql.exec(
        "INSERT INTO event_subjects (subject_key, event_id) VALUES (?, 'evt_alice'), (?, 'evt_alice'), ('order:ff', 'evt_alice')",
        ALICE,
        BOB,
      );
      sql.exec("UPDATE schema_version SET version = 3");
      // Version 3 had no erased column (version 5 adds it).
      sql.exec("ALTER TABLE suppressions DROP COLUMN erased");

      const store = new RelayStore(state.storage);
      store.ensureSchema();
      expect(sql.exec("SELECT MAX(version) AS v FROM schema_version").one().v).toBe(RELAY_MIGRATIONS.at(-1)!.version);
      expect(sql.exec("SELECT subject_key, event_id FROM event_subjects ORDER BY subject_key").toArray()).toEqual([
        { subject_key: `em:${PREFIX}`, event_id: "evt_alice" },
        { subject_key: "order:ff", event_id: "evt_alice" },
      ]);
      expect(store.eventIdsForSubjects([BOB])).toEqual(["evt_alice"]);
      expect(store.eventIdsForSubjects(["order:ff"])).toEqual(["evt_alice"]);
    });
  });

  it("a full-length row (a release before version 4, still running during a rollout) is found and erased with its event", async () => {
    await runInDurableObject(relay("t-subject-full-row"), async (instance: TenantRelay, state) => {
      const store = new RelayStore(state.storage);
      store.ensureSchema();
      storeEvent(store, "evt_bob", [BOB]);
      state.storage.sql.exec("UPDATE event_subjects SET subject_key = ? WHERE event_id = 'evt_bob'", BOB);

      expect(store.eventIdsForSubjects([BOB])).toEqual(["evt_bob"]);
      expect(await instance.eraseSubjects([BOB])).toMatchObject({ erasedEvents: 1 });
      expect(state.storage.sql.exec("SELECT * FROM event_subjects").toArray()).toEqual([]);
    });
  });

  it("keys a beacon adds later, and two keys that share one row, are found and erased with the event", async () => {
    await runInDurableObject(relay("t-subject-later"), async (instance: TenantRelay, state) => {
      const store = new RelayStore(state.storage);
      store.ensureSchema();
      storeEvent(store, "evt_alice", [ALICE, BOB]);
      // As a beacon joined later does (TenantRelay #decideHeld): the body first, then the rows.
      const fbp = `fbp:${"e".repeat(64)}`;
      store.updateEventBody("evt_alice", JSON.stringify({ sourceId: "std", orderId: "evt_alice", subjectKeys: [ALICE, BOB, fbp] }));
      store.addEventSubjects("evt_alice", [fbp]);
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM event_subjects").one().n).toBe(2);
      expect(store.eventIdsForSubjects([fbp])).toEqual(["evt_alice"]);
      expect(store.eventIdsForSubjects([BOB])).toEqual(["evt_alice"]);

      expect(await instance.eraseSubjects([fbp])).toMatchObject({ erasedEvents: 1 });
      expect(state.storage.sql.exec("SELECT * FROM event_subjects").toArray()).toEqual([]);
    });
  });
});
