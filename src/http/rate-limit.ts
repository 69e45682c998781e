import type { Context, MiddlewareHandler } from "hono";
import { log } from "../platform/log";
import { ApiError, errorBody } from "./errors";

/**
 * Request limits on the Workers Rate Limiting bindings declared in wrangler.toml `[[ratelimits]]`
 * (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/). The binding
 * counts per key, per Cloudflare location, approximately, in windows of 10 or 60 seconds; it
 * has no "peek", every `limit()` call is one count. So who gets counted is the whole design:
 *
 * - Verified webhooks are never counted by address: Shopify, Stripe and WooCommerce deliver every
 *   shop's webhooks from shared address pools. They count only against their tenant's quota
 *   (`WEBHOOK_TENANT_RL`, keyed by tenant id), and only after the signature check, so forged
 *   requests naming a tenant cannot spend that tenant's quota.
 * - Failures (a bad signature, an unknown tenant or source, a refused admin token) count against
 *   the client address (`AUTH_FAILURE_RL`), and only failures do: a good request never spends an
 *   address's budget, so a flood of bad requests from a shared address cannot starve the good
 *   ones from it. Over the budget, a failing request is answered 429 instead of 401/404. Counting
 *   after the verdict is safe because the work before it is bounded: a KV read, a body of at
 *   most 1 MiB (256 KiB outside webhooks), at most 8 HMACs of it (an admin token: one SHA-256).
 * - Beacons count per address (`BEACON_IP_RL`) and per tenant (`BEACON_TENANT_RL`) before any
 *   lookup: they are unauthenticated by nature.
 */

/** Seconds a refused client is told to wait: the bindings' window (wrangler.toml `period`). */
export const RETRY_AFTER_SECONDS = 60;

/** The client's address as Cloudflare's edge saw it; it overwrites any client-sent value. */
export function clientAddress(c: Context): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}

/**
 * Whether `key` is within `limiter`'s budget (and counts one). A limiter that fails answers
 * "within": a rate-limit outage must not turn into refused webhooks.
 */
export async function withinLimit(limiter: RateLimit, key: string): Promise<boolean> {
  try {
    return (await limiter.limit({ key })).success;
  } catch (err) {
    log.warn("rate_limit_unavailable", { errorName: err instanceof Error ? err.name : "unknown" });
    return true;
  }
}

export function tooManyRequests(message: string): ApiError {
  return new ApiError(429, "rate_limited", message, { "Retry-After": String(RETRY_AFTER_SECONDS) });
}

/**
 * Counts a failed request against its address once its handler has answered (`statuses`: the
 * answers that mean "not authenticated"); past the address's failure budget the answer becomes
 * a 429. Good requests from the same address are not counted and keep their answers.
 */
function failureBudgetFor(statuses: ReadonlySet<number>): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    await next();
    if (!statuses.has(c.res.status)) return;
    if (await withinLimit(c.env.AUTH_FAILURE_RL, clientAddress(c))) return;
    // Cleared first so that none of the failed answer's headers (e.g. WWW-Authenticate) carry over.
    c.res = undefined;
    c.res = Response.json(errorBody("rate_limited", "Too many failed requests from this address"), {
      status: 429,
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
    });
  };
}

/** Webhooks: a bad signature (401) or an unknown tenant or source (404). */
export const failureBudget = failureBudgetFor(new Set([401, 404]));
/** Admin and tenant-key routes: a refused token (401); an authenticated 404 is not a failure. */
export const authFailureBudget = failureBudgetFor(new Set([401]));

/** A tenant's verified webhooks per window; refused with 429, which every platform retries. */
export async function checkWebhookQuota(env: Env, tenantId: string): Promise<void> {
  if (!(await withinLimit(env.WEBHOOK_TENANT_RL, tenantId))) {
    throw tooManyRequests("This tenant's webhook quota is used up for now");
  }
}

/** Beacons: per client address, then per tenant, before the tenant is looked up. */
export const limitBeacons: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (!(await withinLimit(c.env.BEACON_IP_RL, clientAddress(c)))) throw tooManyRequests("Too many beacons from this address");
  if (!(await withinLimit(c.env.BEACON_TENANT_RL, c.req.param("tenantId") ?? ""))) {
    throw tooManyRequests("Too many beacons for this tenant");
  }
  await next();
};
