import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { activeBeaconKeys, beaconAuthOf } from "../beacons/keys";
import { MAX_JOIN_TOKEN_LENGTH, checkJoinToken } from "../beacons/join-token";
import { getTenantForRequest } from "../config/tenant-store";
import { forgetTenant } from "../config/tenant-cache";
import { tenantGone, throwIfTombstoned } from "../config/tombstone";
import type { TenantConfig } from "../config/types";
import { consentSchema } from "../consent/schema";
import { limitBody, parseJson, validate } from "../http/body";
import { ApiError, errorBody, methodNotAllowed } from "../http/errors";
import { limitBeacons } from "../http/rate-limit";
import { clickSubjectKey, hashOpaque } from "../identity/subjects";
import { clickIdsShape } from "../sources/shared/click-ids";
import { tenantRelay } from "../platform/durable";
import { clock } from "../platform/clock";
import { log } from "../platform/log";
import { consentPlan } from "../pipeline/consent-plan";

type CollectEnv = { Bindings: Env; Variables: { tenant: TenantConfig; origin: string } };

/** A beacon request is small: consent strings, a few click ids, a URL. */
const MAX_BEACON_REQUEST_BYTES = 8 * 1024;
const limitBeaconBody = bodyLimit({
  maxSize: MAX_BEACON_REQUEST_BYTES,
  onError: () => {
    throw new ApiError(413, "beacon_too_large", `A beacon body may be at most ${MAX_BEACON_REQUEST_BYTES} bytes`);
  },
});

/** Lists inside consent are bounded up front; the consent reader itself is lenient. */
const boundedConsent = z
  .unknown()
  .superRefine((raw, ctx) => {
    const r = (raw ?? {}) as { gpp?: { applicableSections?: unknown }; categories?: unknown };
    const sections = r.gpp?.applicableSections;
    if (Array.isArray(sections) && sections.length > 32) ctx.addIssue({ code: "custom", message: "at most 32 GPP sections" });
    if (r.categories && typeof r.categories === "object" && Object.keys(r.categories).length > 64) {
      ctx.addIssue({ code: "custom", message: "at most 64 categories" });
    }
  })
  .pipe(consentSchema);

const text = z.string().trim().min(1).max(512).optional().catch(undefined);
const joinKeySchema = z.string().trim().min(1).max(256);
export const beaconSchema = z.object({
  joinKey: joinKeySchema,
  joinToken: z.string().max(MAX_JOIN_TOKEN_LENGTH).optional(),
  consent: boundedConsent.optional(),
  clickIds: z.object(clickIdsShape(text)).partial().optional().catch(undefined),
  page: z
    .object({ url: z.string().url().max(2048).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});

function compact<T extends object>(obj: T | undefined): T {
  return Object.fromEntries(Object.entries(obj ?? {}).filter(([, v]) => v !== undefined)) as T;
}

/**
 * CORS limited to the tenant's allowed origins. An origin not on the list gets no CORS grant and
 * nothing is stored: a beacon from a page the tenant does not own is not consent.
 */
function originNotAllowed(): ApiError {
  return new ApiError(403, "origin_not_allowed", "This origin may not send beacons for this tenant");
}

const tenantOrigin: MiddlewareHandler<CollectEnv> = async (c, next) => {
  const tenant = await getTenantForRequest(c.env, c.req.param("tenantId") ?? "");
  if (!tenant) {
    await throwIfTombstoned(c.env.DB, c.req.param("tenantId") ?? "");
    // An unknown tenant allows no origin: the same 403 as a known tenant's unlisted origin, so
    // this public route does not tell a prober which tenant ids exist.
    throw originNotAllowed();
  }
  const origin = c.req.header("origin");
  if (!origin || !tenant.allowedOrigins.includes(origin)) throw originNotAllowed();
  c.set("tenant", tenant);
  c.set("origin", origin);
  await next();
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Vary", "Origin");
};

/**
 * What the token check needs from a body, read before the rest of it is validated: the join key
 * (a body without a readable one is a 400, there is nothing to check a token against) and the
 * token as sent, of any type. So in signed mode a token that is a number, null, an object or too
 * long is the same 401 as any other malformed token, not a 400 that describes the body to a
 * sender who could not prove the beacon is theirs.
 */
const tokenEnvelope = z.object({ joinKey: joinKeySchema, joinToken: z.unknown().optional() });

/**
 * In "signed" mode (the default) a beacon must carry a join token minted by the tenant's checkout
 * server for this join key: an Origin header is set freely by any non-browser client, so it alone
 * cannot keep a forger from writing consent under a buyer's join key. Every failure (no key
 * configured, missing, malformed, expired, foreign token) answers the same 401, nothing stored.
 * checkJoinToken bounds the token's length before matching it, so no HMAC is computed over an
 * arbitrary string.
 *
 * In "origin" mode the token is never read: the tenant chose to trust allowed origins alone (a
 * checkout that mints tokens ahead of switching to signed keeps working). A string, well formed or
 * not, is ignored as it always was; a joinToken that is not a string of at most 128 characters
 * then fails the beacon schema like any other ill-typed field (400 invalid_request, nothing
 * stored), which tells the integrator that their checkout sends something broken.
 */
async function requireJoinToken(env: Env, tenant: TenantConfig, joinKey: string, token: unknown): Promise<void> {
  if (beaconAuthOf(tenant) === "origin") return;
  const now = clock.now();
  const check = await checkJoinToken(token, await activeBeaconKeys(env, tenant, now), tenant.id, joinKey, now);
  if (!check.ok) {
    log.warn("beacon_rejected", { tenantId: tenant.id, code: `join_token_${check.why}` });
    throw new ApiError(401, "invalid_join_token", "The beacon needs a valid joinToken for its joinKey, minted by the checkout server");
  }
}

/** POST /v1/collect/:tenantId — the browser beacon. */
export const collectRoutes = new Hono<CollectEnv>();

collectRoutes.options("/:tenantId", tenantOrigin, (c) => {
  c.header("Access-Control-Allow-Methods", "POST");
  c.header("Access-Control-Allow-Headers", "content-type");
  c.header("Access-Control-Max-Age", "600");
  return c.body(null, 204);
});

collectRoutes.post("/:tenantId", limitBeacons, tenantOrigin, limitBody, limitBeaconBody, async (c) => {
  const tenant = c.get("tenant");
  // sendBeacon posts text/plain, so the body is read as JSON whatever its content type.
  const raw = parseJson(await c.req.text());
  // Authenticate before validating the rest: see tokenEnvelope.
  const envelope = validate(tokenEnvelope, raw);
  await requireJoinToken(c.env, tenant, envelope.joinKey, envelope.joinToken);
  const body = validate(beaconSchema, raw);
  const gpc = c.req.header("sec-gpc") === "1";
  const joinHash = (await hashOpaque(body.joinKey))!;
  const ip = c.req.header("cf-connecting-ip");
  const userAgent = c.req.header("user-agent");
  const clickIds = compact(body.clickIds);
  // Hashed like a withdrawal's identifiers, so `withdraw {fbp}` finds the events a beacon joined.
  const clickSubjects = Object.fromEntries(
    (await Promise.all(Object.entries(clickIds).map(async ([name, value]) => [name, await clickSubjectKey(name, value)] as const))).filter(
      (entry): entry is readonly [string, string] => entry[1] !== undefined,
    ),
  );
  const result = await tenantRelay(c.env, tenant).recordBeacon(
    joinHash,
    {
      ...(body.consent ? { consent: body.consent } : {}),
      clickIds,
      client: compact({ ip, userAgent, pageUrl: body.page?.url, referrer: c.req.header("referer"), origin: c.get("origin") }),
      gpc,
      ...(Object.keys(clickSubjects).length > 0 ? { clickSubjects } : {}),
    },
    { tenantId: tenant.id, region: tenant.region, ...consentPlan(tenant) },
  );
  // Deleted while KV at this location still served its config: the object refused it.
  if (result.status === "gone") {
    forgetTenant(c.env.CONFIG, tenant.id);
    throw tenantGone();
  }
  if (result.status === "too_large") {
    throw new ApiError(
      413,
      "beacon_too_large",
      "The beacons for this join key would exceed 4096 bytes; this one was not stored (a refusal in it still applies)",
    );
  }
  if (result.status === "limit_reached") {
    const message =
      "This tenant holds the most beacons it may (they expire after 24 hours); this one was not stored (a refusal in it still applies)";
    return c.json(errorBody("beacon_limit_reached", message), 429, { "Retry-After": "3600" });
  }
  log.debug("beacon_stored", {
    tenantId: tenant.id,
    count: result.status === "stored" ? result.decided : 0,
    status: result.status === "stored" ? (result.suppressed > 0 ? "revoked" : "stored") : "dropped",
  });
  return c.body(null, 204);
});

collectRoutes.all("/:tenantId", methodNotAllowed(["POST", "OPTIONS"]));
