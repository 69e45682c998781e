import { type Context, Hono } from "hono";
import { findSource, getTenantForRequest } from "../config/tenant-store";
import { forgetTenant } from "../config/tenant-cache";
import { tenantGone, throwIfTombstoned } from "../config/tombstone";
import { RETENTION_MS } from "../delivery/backoff";
import { limitWebhookBody, readRawBody } from "../http/body";
import { markVerifiedWebhook } from "../http/security-headers";
import { ApiError, methodNotAllowed } from "../http/errors";
import { checkWebhookQuota, failureBudget } from "../http/rate-limit";
import { receiveWebhook } from "../pipeline/receive";
import { clock } from "../platform/clock";
import { tenantRelay } from "../platform/durable";
import { log } from "../platform/log";
import { decoyVerification } from "../sources/shared/crypto";
import { captureRawBody } from "../storage/raw-capture";
import type { IngestPlan } from "../platform/relay-rpc";

/** POST /v1/hooks/:tenantId/:sourceId — a checkout webhook. */
export const ingestRoutes = new Hono<{ Bindings: Env }>();

/**
 * One answer for an unknown tenant and an unknown source (status, code, message, headers), so
 * the public route does not tell which tenants exist.
 */
function unknownWebhookTarget(): ApiError {
  return new ApiError(404, "not_found", "Unknown tenant or source");
}

// Not limited by address: verified webhooks come from platforms' shared address pools. Failures
// count against the address (failureBudget); verified ones against the tenant's quota.
ingestRoutes.post("/:tenantId/:sourceId", failureBudget, limitWebhookBody, async (c) => {
  const { tenantId, sourceId } = c.req.param();
  // The bytes exactly as received: signatures are checked over them, text is decoded after.
  const body = await readRawBody(c);
  const tenant = await getTenantForRequest(c.env, tenantId);
  if (!tenant) await throwIfTombstoned(c.env.DB, tenantId);
  const source = tenant ? findSource(tenant, sourceId) : undefined;
  if (!tenant || !source) {
    await decoyVerification(body);
    throw unknownWebhookTarget();
  }

  const now = clock.now();
  const received = await receiveWebhook(
    c.env,
    tenant,
    source,
    { headers: c.req.raw.headers, body },
    {
      now,
      unverified: "reject",
      afterVerify: () => {
        markVerifiedWebhook(c);
        return checkWebhookQuota(c.env, tenantId);
      },
    },
  );
  // An unsigned platform handshake (e.g. a webhook-creation ping) is answered, never stored.
  if (received.kind === "acknowledged") return c.json({ status: "ignored", reason: received.reason }, 200);
  if (received.kind === "ignored") {
    log.info("webhook_ignored", { tenantId, sourceId, reason: received.reason });
    return c.json({ status: "ignored", reason: received.reason }, 200);
  }

  const ingestPlan: IngestPlan = {
    tenantId,
    region: tenant.region,
    ...received.plan,
    reportsWithdrawal: true,
    ...(tenant.webhookQuota !== undefined && { webhookQuota: tenant.webhookQuota }),
  };
  if (received.kind === "adjustment") {
    const result = await tenantRelay(c.env, tenant).ingestAdjustment(received.adjustment, ingestPlan);
    if (result.status === "gone") throw tenantGone();
    if (result.status === "rate_limited") throw overTenantQuota(result.retryAfterSeconds);
    if (result.status === "dropped") return erasedSubject(c);
    log.debug("webhook_stored", { tenantId, sourceId, eventId: result.id, status: result.status, kind: "adjustment" });
    return c.json({ status: result.status, id: result.id }, result.status === "accepted" ? 202 : 200);
  }
  const result = await tenantRelay(c.env, tenant).ingest(received.event, ingestPlan);
  // Deleted while KV at this location still served its config: the object refused it.
  if (result.status === "gone") {
    forgetTenant(c.env.CONFIG, tenant.id);
    throw tenantGone();
  }
  if (result.status === "rate_limited") throw overTenantQuota(result.retryAfterSeconds);
  if (result.status === "dropped") return erasedSubject(c);
  // A withdrawn buyer's raw body (their personal data, unhashed) is not kept for troubleshooting.
  if (result.status === "accepted" && tenant.rawCapture && !result.withdrawn) {
    try {
      await captureRawBody(c.env, tenant, result.id, received.text, now + RETENTION_MS);
    } catch (err) {
      // Troubleshooting aid only: the event itself is stored, so the webhook still succeeds.
      log.warn("raw_capture_failed", { tenantId, eventId: result.id, errorName: err instanceof Error ? err.name : "unknown" });
    }
  }
  log.debug("webhook_stored", { tenantId, sourceId, eventId: result.id, status: result.status });
  // The same answer whether the buyer was withdrawn or not.
  return c.json({ status: result.status, id: result.id }, result.status === "accepted" ? 202 : 200);
});

/** Over the tenant's own quota (its `webhookQuota`): nothing stored; every platform retries a 429. */
function overTenantQuota(retryAfterSeconds: number): ApiError {
  return new ApiError(429, "rate_limited", "This tenant's webhook quota is used up for now", { "Retry-After": String(retryAfterSeconds) });
}

/**
 * The webhook of an erased subject (within the 24 h the erasure holds): answered 200, so the
 * platform stops retrying, and not stored.
 */
function erasedSubject(c: Context) {
  return c.json({ status: "ignored", reason: "erased_subject" }, 200);
}

ingestRoutes.all("/:tenantId/:sourceId", methodNotAllowed(["POST"]));
