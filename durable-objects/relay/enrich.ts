import { decryptSourceCredentials, findSource } from "../../src/config/tenant-store";
import type { TenantConfig } from "../../src/config/types";
import type { HashedIdentity, RelayEvent } from "../../src/events/conversion";
import { hashIdentity, type IdentityFamily } from "../../src/identity";
import { subjectKeys } from "../../src/identity/subjects";
import { consentPlan } from "../../src/pipeline/consent-plan";
import { identityFamilies } from "../../src/pipeline/identity-families";
import { log } from "../../src/platform/log";
import type { RunMemo } from "../../src/platform/token-cache";
import { sourceDefinition } from "../../src/sources/registry";
import type { EventRow, RelayStore } from "./store";

/** Lookups per alarm run; the rest follow in the next (immediate) run. */
const LOOKUPS_PER_RUN = 25;
/** How long a retryable lookup failure may delay an event before it is sent without enrichment. */
export const ENRICHMENT_WAIT_MS = 10 * 60_000;
const LOOKUP_RETRY_MS = 30_000;

/** The webhook's own identifiers win; the lookup only fills fields it lacked. */
export function mergeIdentity(own: HashedIdentity, looked: HashedIdentity): HashedIdentity {
  const merged: HashedIdentity = { ...own };
  for (const family of Object.keys(looked) as IdentityFamily[]) {
    merged[family] = { ...looked[family], ...own[family] } as never;
  }
  return merged;
}

/**
 * Runs the lookups that events asked for before their first send, through their source's `enrich`
 * hook (src/sources/types.ts). The looked-up personal data is hashed at once and exists
 * only in this call; what is stored is hashes, as for any webhook. Returns the events whose raw
 * capture must go: their looked-up customer was erased or withdrawn.
 */
export async function enrichDue(env: Env, store: RelayStore, tenant: TenantConfig, now: number): Promise<{ dropCaptures: string[] }> {
  // Token requests in flight are shared by this run's lookups only (see src/platform/token-cache.ts).
  const memo: RunMemo = new Map();
  const dropCaptures: string[] = [];
  for (const row of store.eventsAwaitingEnrichment(now, LOOKUPS_PER_RUN)) {
    try {
      const outcome = await enrichOne(env, store, tenant, row, now, memo);
      if (outcome === "erased" || outcome === "withdrawn") dropCaptures.push(row.id);
    } catch (err) {
      // Never let one lookup wedge the queue: the event goes out with what the webhook had.
      log.error("enrichment_failed", { tenantId: tenant.id, eventId: row.id, errorName: err instanceof Error ? err.name : "unknown" });
      const { enrichment: _e, ...rest } = JSON.parse(row.body) as RelayEvent;
      store.finishEnrichment(row.id, JSON.stringify(rest), []);
    }
  }
  return { dropCaptures };
}

/** `erased`: the looked-up customer was erased, and the event deleted; `withdrawn`: stored, never sent. */
async function enrichOne(
  env: Env,
  store: RelayStore,
  tenant: TenantConfig,
  row: EventRow,
  now: number,
  memo: RunMemo,
): Promise<"done" | "skipped" | "erased" | "withdrawn"> {
  {
    const event = JSON.parse(row.body) as RelayEvent;
    const { enrichment, ...rest } = event;
    const sendWithout = (code: string) => {
      log.warn("enrichment_skipped", { tenantId: tenant.id, eventId: row.id, code });
      store.finishEnrichment(row.id, JSON.stringify(rest), []);
    };
    const source = findSource(tenant, event.sourceId);
    const enrich = source ? sourceDefinition(source.type)?.enrich : undefined;
    if (!enrichment || !enrich) {
      sendWithout("enrichment_not_applicable");
      return "skipped";
    }
    let credentials: Record<string, string>;
    try {
      credentials = await decryptSourceCredentials(env, tenant, event.sourceId);
    } catch {
      sendWithout("credentials_unreadable");
      return "skipped";
    }
    const lookup = await enrich(enrichment, { env, credentials, scope: { tenantId: tenant.id, ownerId: event.sourceId }, memo, now });
    if (lookup.status !== "ok") {
      if (lookup.status === "retry" && now - row.received_at < ENRICHMENT_WAIT_MS) {
        store.postponeEvent(row.id, now + Math.max(lookup.retryAfterMs ?? 0, LOOKUP_RETRY_MS));
        log.warn("enrichment_retry", { tenantId: tenant.id, eventId: row.id, code: lookup.code });
      } else {
        sendWithout(lookup.code);
      }
      return "skipped";
    }
    const families = identityFamilies(consentPlan(tenant));
    const looked = await hashIdentity(lookup.customer, { defaultCountry: tenant.defaultCountry, families });
    const keys = await subjectKeys(lookup.customer, tenant.defaultCountry);
    // The customer the lookup found was erased (after the webhook, whose own identifiers did not
    // name them): nothing of them is stored again, so the event goes, unsent.
    const suppression = store.suppressionOf(keys, now);
    if (suppression === "erased") {
      // With its checkout's beacon, and its order's keys erased too (the platform's retry of it is dropped).
      store.suppressOrder(event.subjectKeys, [], now, true);
      if (row.join_hash) store.deleteBeacons([row.join_hash]);
      store.deleteEvents([row.id]);
      store.bumpCounter(now, "erased_dropped");
      log.info("enrichment_erased_subject", { tenantId: tenant.id, eventId: row.id });
      return "erased";
    }
    const enriched: RelayEvent = {
      ...rest,
      identity: mergeIdentity(event.identity, looked),
      subjectKeys: [...new Set([...event.subjectKeys, ...keys])],
    };
    store.finishEnrichment(row.id, JSON.stringify(enriched), keys);
    log.info("enrichment_done", { tenantId: tenant.id, eventId: row.id });
    // Its deliveries are suppressed when they come due; its raw body is not kept either.
    return suppression === "withdrawn" ? "withdrawn" : "done";
  }
}
