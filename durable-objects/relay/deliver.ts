import { decryptDestinationCredentials, findDestination } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";
import { nextAttemptAt } from "../../src/delivery/backoff";
import { destinationAdapters } from "../../src/destinations/registry";
import type { DeliveryItem, ItemOutcome } from "../../src/destinations/types";
import type { RelayEvent } from "../../src/events/conversion";
import { log } from "../../src/platform/log";
import type { DueDelivery, RelayStore } from "./store";

/** How many due deliveries one alarm run takes on; the rest wait for the immediate re-arm. */
const DELIVERIES_PER_RUN = 5000;

function groupByDestination(rows: DueDelivery[]): Map<string, DueDelivery[]> {
  const groups = new Map<string, DueDelivery[]>();
  for (const row of rows) {
    const group = groups.get(row.destination_id) ?? [];
    group.push(row);
    groups.set(row.destination_id, group);
  }
  return groups;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Records one outcome: delivered, terminal failure, or a retry inside the 24 h window. */
function recordOutcome(store: RelayStore, tenantId: string, row: DueDelivery, outcome: ItemOutcome, now: number): void {
  const attempts = row.attempts + 1;
  const base = { tenantId, eventId: row.event_id, destinationId: row.destination_id, attempt: attempts };
  if (outcome.status === "delivered") {
    store.updateDelivery(row.event_id, row.destination_id, { status: "delivered", attempts, nextAttemptAt: null, lastError: null }, now);
    store.bumpCounter(now, "delivered", row.destination_id);
    log.info("delivery", { ...base, outcome: "delivered" });
    return;
  }
  if (outcome.status === "failed") {
    store.updateDelivery(row.event_id, row.destination_id, { status: "failed", attempts, nextAttemptAt: null, lastError: outcome.code }, now);
    store.bumpCounter(now, "failed", row.destination_id);
    log.warn("delivery", { ...base, outcome: "failed", code: outcome.code });
    return;
  }
  const at = nextAttemptAt(now, row.expires_at, attempts, Math.random, outcome.retryAfterMs);
  const status = at === null ? "expired" : "pending";
  store.updateDelivery(row.event_id, row.destination_id, { status, attempts, nextAttemptAt: at, lastError: outcome.code }, now);
  if (at === null) store.bumpCounter(now, "expired", row.destination_id);
  log.warn("delivery", { ...base, outcome: at === null ? "expired" : "retry", code: outcome.code, retryInMs: at === null ? undefined : at - now });
}

function failAll(store: RelayStore, tenantId: string, rows: DueDelivery[], code: string, now: number): void {
  for (const row of rows) recordOutcome(store, tenantId, row, { status: "failed", code }, now);
}

async function deliverToDestination(
  env: Env,
  store: RelayStore,
  tenant: TenantConfig,
  destinationId: string,
  rows: DueDelivery[],
  now: number,
): Promise<void> {
  const config = findDestination(tenant, destinationId);
  if (!config) return failAll(store, tenant.id, rows, "destination_removed", now);
  if (!config.enabled) return failAll(store, tenant.id, rows, "destination_disabled", now);
  const adapter = destinationAdapters[config.type];
  if (!adapter) return failAll(store, tenant.id, rows, "destination_type_unsupported", now);

  let credentials: Record<string, string>;
  try {
    credentials = await decryptDestinationCredentials(env, tenant, destinationId);
  } catch {
    return failAll(store, tenant.id, rows, "credentials_unreadable", now);
  }

  for (const candidates of chunk(rows, adapter.maxBatchSize)) {
    // Checked right before the request: a withdrawal that landed since the rows were read wins.
    const batch = candidates.filter((row) => {
      if (!store.isEventSuppressed(row.event_id, now)) return true;
      store.suppressPending([row.event_id], now, [destinationId]);
      store.bumpCounter(now, "suppressed", destinationId);
      return false;
    });
    if (batch.length === 0) continue;
    const items: DeliveryItem[] = batch.map((row) => ({
      eventId: row.event_id,
      event: JSON.parse(row.body) as RelayEvent,
      decision: row.decision === "send_denied_flag" ? "send_denied_flag" : "send",
    }));
    const started = Date.now();
    const outcomes = await adapter.send(items, { env, settings: { ...(tenant.timezone ? { timezone: tenant.timezone } : {}), ...config.settings }, credentials, now, fetch: (...a) => fetch(...a) });
    log.info("batch_sent", { tenantId: tenant.id, destinationId, destinationType: config.type, count: batch.length, durationMs: Date.now() - started });
    batch.forEach((row, i) => recordOutcome(store, tenant.id, row, outcomes[i]!, now));
  }
}

/** Sends every due delivery, batched per destination. Errors stay inside one destination. */
export async function deliverDue(env: Env, store: RelayStore, tenantId: string, tenant: TenantConfig | null, now: number): Promise<void> {
  const due = store.dueDeliveries(now, DELIVERIES_PER_RUN);
  if (due.length === 0) return;
  if (!tenant) {
    // The tenant was deleted; its purge removes these rows, nothing may be sent for it.
    failAll(store, tenantId, due, "tenant_removed", now);
    return;
  }
  for (const [destinationId, rows] of groupByDestination(due)) {
    try {
      await deliverToDestination(env, store, tenant, destinationId, rows, now);
    } catch (err) {
      log.error("destination_run_failed", { tenantId, destinationId, errorName: err instanceof Error ? err.name : "unknown" });
    }
  }
}
