/**
 * TenantRelay's SQLite schema. Created lazily as well as at start-up, because deleteAll() drops
 * user tables (https://developers.cloudflare.com/durable-objects/api/storage-api/).
 */
/**
 * One delivery of an event to a destination: its consent decision, status and retry state.
 * Released in the baseline and in version 3: never edit it; a change is a new migration step.
 */
const DELIVERY_COLUMNS = `
  event_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  type TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, destination_id)`;

export const RELAY_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
     id TEXT PRIMARY KEY,
     dedup_key TEXT NOT NULL UNIQUE,
     source_id TEXT NOT NULL,
     order_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     join_hash TEXT,
     enrich_pending INTEGER NOT NULL DEFAULT 0,
     body TEXT NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS events_expiry ON events (expires_at)`,
  `CREATE INDEX IF NOT EXISTS events_join ON events (join_hash)`,
  `CREATE INDEX IF NOT EXISTS events_received ON events (received_at)`,
  `CREATE TABLE IF NOT EXISTS deliveries (${DELIVERY_COLUMNS})`,
  `CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at)`,
  // Hashed subject keys of each event, for withdrawal and erasure.
  `CREATE TABLE IF NOT EXISTS event_subjects (
     subject_key TEXT NOT NULL,
     event_id TEXT NOT NULL,
     PRIMARY KEY (subject_key, event_id)
   )`,
  // Browser beacons per (hashed) join key, combined: consent, click ids and client context, 24 h.
  `CREATE TABLE IF NOT EXISTS beacons (
     join_hash TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS beacons_expiry ON beacons (expires_at)`,
  // Hashed subject keys of each beacon's click ids, so erasure finds the beacons of a subject.
  `CREATE TABLE IF NOT EXISTS beacon_subjects (
     subject_key TEXT NOT NULL,
     join_hash TEXT NOT NULL,
     PRIMARY KEY (subject_key, join_hash)
   )`,
  `CREATE INDEX IF NOT EXISTS beacon_subjects_join ON beacon_subjects (join_hash)`,
  // A user's explicit refusal per destination, by join key ("join:<hash>") or event ("event:<id>"):
  // no later signal turns it back into a grant, and replay cannot resend past it. 24 h.
  `CREATE TABLE IF NOT EXISTS consent_denials (
     scope TEXT NOT NULL,
     destination_id TEXT NOT NULL,
     reason TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (scope, destination_id)
   )`,
  // Withdrawn subjects; checked at enqueue, before each send and before each retry. 24 h.
  `CREATE TABLE IF NOT EXISTS suppressions (
     subject_key TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   )`,
  // Deliveries accepted for asynchronous processing (Data Manager): the request id whose status
  // is polled, how often it was polled; `send_alone` marks a delivery to be resent in a request
  // of its own (see durable-objects/relay/poll-status.ts).
  `CREATE TABLE IF NOT EXISTS delivery_requests (
     event_id TEXT NOT NULL,
     destination_id TEXT NOT NULL,
     request_id TEXT,
     polls INTEGER NOT NULL DEFAULT 0,
     send_alone INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (event_id, destination_id)
   )`,
  `CREATE INDEX IF NOT EXISTS delivery_requests_request ON delivery_requests (request_id)`,
  // Circuit breaker per destination (see src/delivery/circuit.ts).
  `CREATE TABLE IF NOT EXISTS circuits (
     destination_id TEXT PRIMARY KEY,
     failures INTEGER NOT NULL,
     open_until INTEGER
   )`,
  // Destination lanes held on a credential or setup error (see src/delivery/lane.ts).
  `CREATE TABLE IF NOT EXISTS lane_holds (
     destination_id TEXT PRIMARY KEY,
     code TEXT NOT NULL,
     message TEXT NOT NULL,
     since INTEGER NOT NULL,
     probe_at INTEGER NOT NULL
   )`,
  // Personal-data-free hourly aggregates; they outlive the events they count.
  `CREATE TABLE IF NOT EXISTS counters (
     hour TEXT NOT NULL,
     metric TEXT NOT NULL,
     destination_id TEXT NOT NULL DEFAULT '',
     count INTEGER NOT NULL,
     PRIMARY KEY (hour, metric, destination_id)
   )`,
];

/**
 * Versioned steps after the baseline above, applied once each, in order, by RelayStore.ensureSchema
 * (the version is kept in `schema_version`). A step once released is never edited: a later change
 * is a new step.
 */
export const RELAY_MIGRATIONS: { version: number; statements: string[] }[] = [
  {
    // Refunds and cancellations (adjustments of an earlier order).
    version: 2,
    statements: [
      // Other keys an order can be found by (e.g. the payment a refund names instead of the order), for its adjustments.
      `CREATE TABLE IF NOT EXISTS order_aliases (
         alias TEXT PRIMARY KEY,
         event_id TEXT NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS order_aliases_event ON order_aliases (event_id)`,
      // On an adjustment: the dedup key of the order it adjusts (found or not), so an original
      // arriving after its cancellation is never sent, and the log shows the two together.
      `ALTER TABLE events ADD COLUMN adjusts TEXT`,
      `CREATE INDEX IF NOT EXISTS events_adjusts ON events (adjusts)`,
    ],
  },
  {
    // Fewer b-tree entries written per event (the ingest path's largest cost, measured by
    // `npm run bench`). Deliveries, subject keys and the hourly counters are small rows found by
    // their primary key: as WITHOUT ROWID tables they live in the key's b-tree alone, not in a
    // rowid table plus a key index (https://www.sqlite.org/withoutrowid.html). The join and
    // adjustment indexes become partial: most events have no join key and only adjustments
    // adjust, and a NULL was an index entry too (https://www.sqlite.org/partialindex.html; a
    // query's `x = ?` lets the planner use an index `WHERE x IS NOT NULL`).
    version: 3,
    statements: [
      `CREATE TABLE deliveries_v3 (${DELIVERY_COLUMNS}) WITHOUT ROWID`,
      `INSERT INTO deliveries_v3 (event_id, destination_id, type, decision, reason, status, attempts, next_attempt_at, last_error, updated_at)
       SELECT event_id, destination_id, type, decision, reason, status, attempts, next_attempt_at, last_error, updated_at FROM deliveries`,
      `DROP TABLE deliveries`,
      `ALTER TABLE deliveries_v3 RENAME TO deliveries`,
      `CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)`,
      `CREATE TABLE event_subjects_v3 (
         subject_key TEXT NOT NULL,
         event_id TEXT NOT NULL,
         PRIMARY KEY (subject_key, event_id)
       ) WITHOUT ROWID`,
      `INSERT INTO event_subjects_v3 (subject_key, event_id) SELECT subject_key, event_id FROM event_subjects`,
      `DROP TABLE event_subjects`,
      `ALTER TABLE event_subjects_v3 RENAME TO event_subjects`,
      // Rows whose event is gone (an erasure that raced an enrichment in earlier releases).
      `DELETE FROM event_subjects WHERE event_id NOT IN (SELECT id FROM events)`,
      // No index by event: an event's keys are in its body (see SUBJECTS_OF_EVENTS in store.ts).
      `DROP INDEX IF EXISTS event_subjects_event`,
      `CREATE TABLE counters_v3 (
         hour TEXT NOT NULL,
         metric TEXT NOT NULL,
         destination_id TEXT NOT NULL DEFAULT '',
         count INTEGER NOT NULL,
         PRIMARY KEY (hour, metric, destination_id)
       ) WITHOUT ROWID`,
      `INSERT INTO counters_v3 (hour, metric, destination_id, count) SELECT hour, metric, destination_id, count FROM counters`,
      `DROP TABLE counters`,
      `ALTER TABLE counters_v3 RENAME TO counters`,
      `DROP INDEX IF EXISTS events_join`,
      `CREATE INDEX events_join ON events (join_hash) WHERE join_hash IS NOT NULL`,
      `DROP INDEX IF EXISTS events_adjusts`,
      `CREATE INDEX events_adjusts ON events (adjusts) WHERE adjusts IS NOT NULL`,
    ],
  },
  {
    // event_subjects keeps the first 64 bits of each key's hash ("em:" and 16 hex digits, see
    // subjectIndexKey in store.ts): a third of the bytes per row in the index every webhook
    // writes about five rows into. Lookups check the full key in the event's body. OR REPLACE:
    // two keys of one event that share a prefix become one row. A full key written after this
    // step (an older release beside this one during a rollout) is still found and deleted
    // (store.ts SUBJECT_ROWS_OF_EVENTS). Going back to a release before this step is not
    // supported: it would look up the shortened rows by their full keys and miss them.
    version: 4,
    statements: [
      `UPDATE OR REPLACE event_subjects SET subject_key = substr(subject_key, 1, instr(subject_key, ':') + 16)
       WHERE length(subject_key) > instr(subject_key, ':') + 16`,
    ],
  },
  {
    // A suppression written by an erasure: a later webhook of the subject (a platform's retry of
    // the erased order, a new order within the 24 h) is answered and not stored, where a
    // withdrawn subject's is stored with its deliveries suppressed. A release before this step
    // writes 0 (a withdrawal) beside it during a rollout.
    version: 5,
    statements: ["ALTER TABLE suppressions ADD COLUMN erased INTEGER NOT NULL DEFAULT 0"],
  },
];
