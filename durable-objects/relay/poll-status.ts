import { decryptDestinationCredentials, findDestination } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";
import { nextAttemptAt } from "../../src/delivery/backoff";
import { getWithGoogleAuth } from "../../src/destinations/google/http";
import { readOAuthCredentials } from "../../src/destinations/google/oauth";
import { classifyRequestStatus, requestStatusUrl } from "../../src/destinations/google-data-manager/request-status";
import type { ItemOutcome } from "../../src/destinations/types";
import { log } from "../../src/platform/log";
import type { DueDelivery, RelayStore } from "./store";

/**
 * Asynchronous outcomes. The Data Manager API answers `events:ingest` with a `requestId` before it
 * processes the events; whether they were recorded is read later from `requestStatus:retrieve`
 * (https://developers.google.com/data-manager/api/reference/rest/v1/requestStatus/retrieve).
 * Until then a delivery is `processing`; the relay polls with backoff, within the event's 24 h
 * (after which the event and its deliveries are purged), and maps the final status onto the
 * deliveries: recorded → `delivered`; a processing error → `failed` with Google's reason, or resent
 * for Google's own (INTERNAL_ERROR); a mixed answer → each event resent in a request of its own.
 */

/** First poll a minute after the answer, then doubling, at most hourly. */
const FIRST_POLL_MS = 60_000;
const MAX_POLL_MS = 3_600_000;
/** Request ids polled per alarm run; the rest wait for the next. */
const REQUESTS_PER_RUN = 50;

export function pollDelayMs(polls: number, retryScale: number): number {
  return Math.max(1, Math.round(Math.min(FIRST_POLL_MS * 2 ** polls, MAX_POLL_MS) * retryScale));
}

/** Records a delivery accepted under `requestId`: `processing`, first poll scheduled. */
export function markProcessing(
  store: RelayStore,
  row: DueDelivery,
  requestId: string,
  attempts: number,
  now: number,
  retryScale: number,
): void {
  store.updateDelivery(
    row.event_id,
    row.destination_id,
    { status: "processing", attempts, nextAttemptAt: now + pollDelayMs(0, retryScale), lastError: null },
    now,
  );
  store.storage.sql.exec(
    `INSERT INTO delivery_requests (event_id, destination_id, request_id, polls, send_alone) VALUES (?, ?, ?, 0, 0)
     ON CONFLICT (event_id, destination_id) DO UPDATE SET request_id = excluded.request_id, polls = 0, send_alone = 0`,
    row.event_id,
    row.destination_id,
    requestId,
  );
}

/** Event ids of a destination's deliveries that must go out in a request of their own. */
export function sendAloneIds(store: RelayStore, destinationId: string): Set<string> {
  const rows = store.storage.sql.exec<{ event_id: string }>(
    "SELECT event_id FROM delivery_requests WHERE destination_id = ? AND send_alone = 1",
    destinationId,
  );
  return new Set([...rows].map((r) => r.event_id));
}

type PollRow = {
  event_id: string;
  destination_id: string;
  attempts: number;
  expires_at: number;
  request_id: string;
  polls: number;
  adjusts: string | null;
};

function settle(store: RelayStore, tenantId: string, row: PollRow, outcome: ItemOutcome, now: number, retryScale: number): void {
  const sql = store.storage.sql;
  const where = "WHERE event_id = ? AND destination_id = ? AND status = 'processing'";
  const base = { tenantId, eventId: row.event_id, destinationId: row.destination_id, attempt: row.attempts };
  // Adjustments (refunds, cancellations) are counted apart from conversions.
  const metric = (name: string) => (row.adjusts ? `adjustment:${name}` : name);
  if (outcome.status === "delivered") {
    sql.exec(
      `UPDATE deliveries SET status = 'delivered', next_attempt_at = NULL, last_error = NULL, updated_at = ? ${where}`,
      now,
      row.event_id,
      row.destination_id,
    );
    store.bumpCounter(now, metric("delivered"), row.destination_id);
    log.info("delivery", { ...base, outcome: "delivered" });
  } else if (outcome.status === "failed") {
    sql.exec(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?, updated_at = ? ${where}`,
      outcome.code,
      now,
      row.event_id,
      row.destination_id,
    );
    store.bumpCounter(now, metric("failed"), row.destination_id);
    log.warn("delivery", { ...base, outcome: "failed", code: outcome.code });
  } else if (outcome.status === "retry") {
    const scaled = (ms: number) => Math.max(1, Math.round(ms * retryScale));
    const at = nextAttemptAt(now, row.expires_at, row.attempts, Math.random, undefined, scaled);
    const status = at === null ? "expired" : "pending";
    sql.exec(
      `UPDATE deliveries SET status = ?, next_attempt_at = ?, last_error = ?, updated_at = ? ${where}`,
      status,
      at,
      outcome.code,
      now,
      row.event_id,
      row.destination_id,
    );
    if (at === null) store.bumpCounter(now, metric("expired"), row.destination_id);
    log.warn("delivery", { ...base, outcome: at === null ? "expired" : "retry", code: outcome.code });
  }
}

/** Polls again later (still processing, or no readable answer). */
function pollLater(store: RelayStore, rows: PollRow[], now: number, retryScale: number): void {
  for (const row of rows) {
    store.storage.sql.exec(
      "UPDATE deliveries SET next_attempt_at = ? WHERE event_id = ? AND destination_id = ? AND status = 'processing'",
      now + pollDelayMs(row.polls + 1, retryScale),
      row.event_id,
      row.destination_id,
    );
    store.storage.sql.exec(
      "UPDATE delivery_requests SET polls = polls + 1 WHERE event_id = ? AND destination_id = ?",
      row.event_id,
      row.destination_id,
    );
  }
}

/** Which rows failed is not said: each goes out again alone (already recorded → duplicate → delivered). */
function resendAlone(store: RelayStore, rows: PollRow[], reasons: string[], now: number): void {
  for (const row of rows) {
    store.storage.sql.exec(
      "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE event_id = ? AND destination_id = ? AND status = 'processing'",
      now,
      `partial_success:${reasons.join(",")}`,
      now,
      row.event_id,
      row.destination_id,
    );
    store.storage.sql.exec(
      "UPDATE delivery_requests SET send_alone = 1 WHERE event_id = ? AND destination_id = ?",
      row.event_id,
      row.destination_id,
    );
  }
}

/** Polls every request whose status is due and records what became of its deliveries. */
export async function pollRequestStatuses(
  env: Env,
  store: RelayStore,
  tenant: TenantConfig,
  now: number,
  retryScale: number,
): Promise<void> {
  const sql = store.storage.sql;
  // Rows whose delivery is gone (purged, erased) or done.
  sql.exec(
    `DELETE FROM delivery_requests WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = delivery_requests.event_id
       AND d.destination_id = delivery_requests.destination_id AND d.status IN ('pending', 'processing'))`,
  );
  const due = sql
    .exec<PollRow>(
      `SELECT d.event_id, d.destination_id, d.attempts, e.expires_at, r.request_id, r.polls, e.adjusts
       FROM deliveries d JOIN delivery_requests r ON r.event_id = d.event_id AND r.destination_id = d.destination_id
       JOIN events e ON e.id = d.event_id
       WHERE d.status = 'processing' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at`,
      now,
    )
    .toArray();
  const groups = new Map<string, PollRow[]>();
  for (const row of due)
    groups.set(`${row.destination_id}\n${row.request_id}`, [...(groups.get(`${row.destination_id}\n${row.request_id}`) ?? []), row]);

  const runMemo = new Map<string, Promise<unknown>>();
  for (const rows of [...groups.values()].slice(0, REQUESTS_PER_RUN)) {
    const { destination_id: destinationId, request_id: requestId } = rows[0]!;
    const config = findDestination(tenant, destinationId);
    let credentials: Record<string, string> = {};
    try {
      if (config) credentials = await decryptDestinationCredentials(env, tenant, destinationId);
    } catch {
      credentials = {};
    }
    const creds = readOAuthCredentials(credentials);
    if (!config || !creds) {
      // Removed or without credentials meanwhile: nothing can be read; tried again later.
      pollLater(store, rows, now, retryScale);
      continue;
    }
    const ctx = { scope: { tenantId: tenant.id, destinationId }, settings: config.settings, credentials, env, now, fetch, runMemo };
    const answer = await getWithGoogleAuth(requestStatusUrl(env.GOOGLE_DATA_MANAGER_API_BASE, requestId), creds, ctx);
    if (answer.kind !== "answer" || answer.status < 200 || answer.status >= 300) {
      log.warn("request_status_unread", {
        tenantId: tenant.id,
        destinationId,
        httpStatus: answer.kind === "answer" ? answer.status : undefined,
      });
      pollLater(store, rows, now, retryScale);
      continue;
    }
    const verdict = classifyRequestStatus(answer.body, rows.length);
    log.info("request_status", { tenantId: tenant.id, destinationId, status: verdict.kind, count: rows.length });
    if (verdict.kind === "processing") pollLater(store, rows, now, retryScale);
    else if (verdict.kind === "ambiguous") resendAlone(store, rows, verdict.reasons, now);
    else for (const row of rows) settle(store, tenant.id, row, verdict.outcome, now, retryScale);
  }
}
