import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { getTenant } from "../config/tenant-store";
import type { TenantConfig } from "../config/types";
import { consentSchema } from "../consent/schema";
import { limitBody, parseJson, validate } from "../http/body";
import { ApiError } from "../http/errors";
import { rateLimitByIp } from "../http/rate-limit";
import { hashOpaque } from "../identity/subjects";
import { tenantRelay } from "../platform/durable";
import { log } from "../platform/log";
import { enabledDestinations } from "./plan";

type CollectEnv = { Bindings: Env; Variables: { tenant: TenantConfig; origin: string } };

const text = z.string().trim().min(1).max(1024).optional().catch(undefined);
const beaconSchema = z.object({
  joinKey: z.string().trim().min(1).max(256),
  consent: consentSchema.optional(),
  clickIds: z
    .object({ gclid: text, gbraid: text, wbraid: text, fbclid: text, fbc: text, fbp: text })
    .partial()
    .optional()
    .catch(undefined),
  page: z.object({ url: z.string().url().max(2048).optional().catch(undefined) }).optional().catch(undefined),
});

function compact<T extends object>(obj: T | undefined): T {
  return Object.fromEntries(Object.entries(obj ?? {}).filter(([, v]) => v !== undefined)) as T;
}

/**
 * CORS limited to the tenant's allowed origins. An origin not on the list gets no CORS grant and
 * nothing is stored: a beacon from a page the tenant does not own is not consent.
 */
const tenantOrigin: MiddlewareHandler<CollectEnv> = async (c, next) => {
  const tenant = await getTenant(c.env, c.req.param("tenantId") ?? "");
  if (!tenant) throw new ApiError(404, "tenant_not_found", "Unknown tenant");
  const origin = c.req.header("origin");
  if (!origin || !tenant.allowedOrigins.includes(origin)) {
    throw new ApiError(403, "origin_not_allowed", "This origin may not send beacons for this tenant");
  }
  c.set("tenant", tenant);
  c.set("origin", origin);
  await next();
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Vary", "Origin");
};

/** POST /v1/collect/:tenantId — the browser beacon (SPEC §4.1). */
export const collectRoutes = new Hono<CollectEnv>();

collectRoutes.options("/:tenantId", tenantOrigin, (c) => {
  c.header("Access-Control-Allow-Methods", "POST");
  c.header("Access-Control-Allow-Headers", "content-type");
  c.header("Access-Control-Max-Age", "600");
  return c.body(null, 204);
});

collectRoutes.post("/:tenantId", rateLimitByIp, tenantOrigin, limitBody, async (c) => {
  const tenant = c.get("tenant");
  // sendBeacon posts text/plain, so the body is read as JSON whatever its content type.
  const body = validate(beaconSchema, parseJson(await c.req.text()));
  const gpc = c.req.header("sec-gpc") === "1";
  const joinHash = (await hashOpaque(body.joinKey))!;
  const ip = c.req.header("cf-connecting-ip");
  const userAgent = c.req.header("user-agent");
  const result = await tenantRelay(c.env, tenant).recordBeacon(
    joinHash,
    {
      ...(body.consent ? { consent: body.consent } : {}),
      clickIds: compact(body.clickIds),
      client: compact({ ip, userAgent, pageUrl: body.page?.url }),
      gpc,
    },
    { tenantId: tenant.id, region: tenant.region, ...enabledDestinations(tenant) },
  );
  log.info("beacon_stored", { tenantId: tenant.id, count: result.decided, status: result.suppressed > 0 ? "revoked" : "stored" });
  return c.body(null, 204);
});

collectRoutes.all("/:tenantId", () => {
  throw new ApiError(405, "method_not_allowed", "Use POST");
});
