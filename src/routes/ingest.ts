import { Hono } from "hono";
import { decryptSourceSecret, findSource, getTenant } from "../config/tenant-store";
import { tenantGone, throwIfTombstoned } from "../config/tombstone";
import { destinationAdapters } from "../destinations/registry";
import type { ConversionEvent, RelayEvent } from "../events/conversion";
import { decodeUtf8, limitBody, readRawBody } from "../http/body";
import { ApiError } from "../http/errors";
import type { TenantConfig } from "../config/types";
import { hashIdentity, type IdentityFamily } from "../identity";
import { hashOpaque, subjectKeys } from "../identity/subjects";
import { clock } from "../platform/clock";
import { tenantRelay } from "../platform/durable";
import { log } from "../platform/log";
import { checkWebhookQuota, failureBudget } from "../http/rate-limit";
import { sourceDefinition } from "../sources/registry";
import { applyBounds } from "../sources/shared/bounds";
import { decoyVerification } from "../sources/shared/crypto";
import { RETENTION_MS } from "../delivery/backoff";
import { storeRawCapture } from "../storage/raw-capture";
import { enabledDestinations } from "./plan";

/** Drops the raw user data: only hashed identifiers travel on to the Durable Object. */
export async function toRelayEvent(event: ConversionEvent, tenant: TenantConfig, families: Set<IdentityFamily>): Promise<RelayEvent> {
  const { tenantId: _tenantId, customer, joinKey, ...rest } = event;
  const [identity, subjects, joinKeyHash] = await Promise.all([
    hashIdentity(customer, { defaultCountry: tenant.defaultCountry, families }),
    subjectKeys({ ...customer, clickIds: event.clickIds, orderId: event.orderId, joinKey }, tenant.defaultCountry),
    hashOpaque(joinKey),
  ]);
  return { ...rest, identity, subjectKeys: subjects, ...(joinKeyHash ? { joinKeyHash } : {}) };
}

/** POST /v1/hooks/:tenantId/:sourceId — a checkout webhook. */
export const ingestRoutes = new Hono<{ Bindings: Env }>();

/**
 * One answer for an unknown tenant and an unknown source (status, code, message, headers), so
 * the public route does not tell which tenants exist.
 */
export function unknownWebhookTarget(): ApiError {
  return new ApiError(404, "not_found", "Unknown tenant or source");
}

// Not limited by address: verified webhooks come from platforms' shared address pools. Failures
// count against the address (failureBudget); verified ones against the tenant's quota.
ingestRoutes.post("/:tenantId/:sourceId", failureBudget, limitBody, async (c) => {
  const { tenantId, sourceId } = c.req.param();
  // The bytes exactly as received: signatures are checked over them, text is decoded after.
  const body = await readRawBody(c);
  const tenant = await getTenant(c.env, tenantId);
  if (!tenant) await throwIfTombstoned(c.env.DB, tenantId);
  const source = tenant ? findSource(tenant, sourceId) : undefined;
  if (!tenant || !source) {
    await decoyVerification(body);
    throw unknownWebhookTarget();
  }
  const adapter = sourceDefinition(source.type);
  if (!adapter) throw new ApiError(501, "source_type_unsupported", `Source type ${source.type} is not supported yet`);

  // An unsigned platform handshake (e.g. a webhook-creation ping) is answered, never stored.
  const handshake = adapter.acknowledge?.({ headers: c.req.raw.headers, body });
  if (handshake) return c.json({ status: "ignored", reason: handshake.reason }, 200);
  const now = clock.now();
  const ctx = { tenantId, sourceId, secret: await decryptSourceSecret(c.env, tenant, sourceId), options: source.options, now };
  const request = { headers: c.req.raw.headers, body };
  // Verification comes before anything decodes or reads the body.
  if (!(await adapter.verify(request, ctx))) {
    log.warn("webhook_rejected", { tenantId, sourceId, reason: "invalid_signature" });
    throw new ApiError(401, "invalid_signature", "Signature verification failed");
  }
  await checkWebhookQuota(c.env, tenantId);

  const text = decodeUtf8(body);
  const parsed = applyBounds(adapter.parse({ ...request, text }, ctx), adapter, now);
  if (parsed.kind === "ignored") {
    log.info("webhook_ignored", { tenantId, sourceId, reason: parsed.reason });
    return c.json({ status: "ignored", reason: parsed.reason }, 200);
  }

  const plan = enabledDestinations(tenant);
  if (parsed.kind === "adjustment") {
    const { tenantId: _t, joinKey, ...rest } = parsed.adjustment;
    const joinKeyHash = await hashOpaque(joinKey);
    const result = await tenantRelay(c.env, tenant).ingestAdjustment(
      { ...rest, ...(joinKeyHash ? { joinKeyHash } : {}) },
      { tenantId, region: tenant.region, ...plan },
    );
    if (result.status === "gone") throw tenantGone();
    log.info("webhook_stored", { tenantId, sourceId, eventId: result.id, status: result.status, kind: "adjustment" });
    return c.json(result, result.status === "accepted" ? 202 : 200);
  }
  const families = new Set(plan.destinations.flatMap((d) => destinationAdapters[d.type]?.family ?? []));
  const event = await toRelayEvent(parsed.event, tenant, families);
  if (parsed.enrichment) event.enrichment = parsed.enrichment;
  const result = await tenantRelay(c.env, tenant).ingest(event, { tenantId, region: tenant.region, ...plan });
  // Deleted while KV at this location still served its config: the object refused it.
  if (result.status === "gone") throw tenantGone();
  if (result.status === "accepted" && tenant.rawCapture) {
    try {
      await storeRawCapture(c.env, tenant, result.id, text, now + RETENTION_MS);
    } catch (err) {
      // Troubleshooting aid only: the event itself is stored, so the webhook still succeeds.
      log.warn("raw_capture_failed", { tenantId, eventId: result.id, errorName: err instanceof Error ? err.name : "unknown" });
    }
  }
  log.info("webhook_stored", { tenantId, sourceId, eventId: result.id, status: result.status });
  return c.json(result, result.status === "accepted" ? 202 : 200);
});

ingestRoutes.all("/:tenantId/:sourceId", () => {
  throw new ApiError(405, "method_not_allowed", "Use POST");
});
