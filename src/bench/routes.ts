import { Hono } from "hono";
import { z } from "zod";
import { constantTimeEqual, utf8 } from "../config/encoding";
import { decryptSourceSecret, findSource, getTenant, getTenantForRequest } from "../config/tenant-store";
import { decodeUtf8, readJson } from "../http/body";
import { ApiError, errorBody, handleError } from "../http/errors";
import { withinLimit } from "../http/rate-limit";
import { clock } from "../platform/clock";
import { tenantRelay } from "../platform/durable";
import { consentPlan } from "../pipeline/consent-plan";
import { identityFamilies } from "../pipeline/identity-families";
import { toRelayEvent } from "../pipeline/relay-event";
import { bearerToken } from "../routes/admin/auth";
import { sourceDefinition } from "../sources/registry";
import { applyBounds } from "../sources/shared/bounds";
import { timeRepeated } from "./stage-timer";

/**
 * Benchmark-only routes (`npm run bench`), present only when BENCH_PROFILE = "1" (the bench sets
 * it with `wrangler dev --var`; wrangler.toml leaves it empty) and only for the operator token:
 *
 *   POST /v1/bench/profile          one signed webhook, each stage of its ingest timed by repetition
 *   GET  /v1/bench/storage/:tenant  the tenant object's storage operations since the last reset
 *
 * Everywhere else they answer 404 like any unknown route. They are no part of the public API (not
 * in the OpenAPI document): src/index.ts hands `/v1/bench/*` to this app as a whole.
 */
export const benchApp = new Hono<{ Bindings: Env }>().basePath("/v1/bench");
benchApp.onError(handleError);
benchApp.notFound((c) => c.json(errorBody("not_found", "No such route"), 404));

benchApp.use("*", async (c, next) => {
  if (c.env.BENCH_PROFILE !== "1") throw new ApiError(404, "not_found", "No such route");
  const token = bearerToken(c.req.header("Authorization"));
  if (!token || !c.env.ADMIN_TOKEN || !(await constantTimeEqual(token, c.env.ADMIN_TOKEN))) {
    throw new ApiError(401, "unauthorized", "Operator token required");
  }
  await next();
});

const profileRequest = z.object({
  tenantId: z.string().min(1).max(64),
  sourceId: z.string().min(1).max(64),
  headers: z.record(z.string(), z.string()),
  body: z.string().max(256 * 1024),
  iterations: z.number().int().min(1).max(5000).default(200),
});

benchApp.post("/profile", async (c) => {
  const { tenantId, sourceId, headers: rawHeaders, body: text, iterations: n } = await readJson(c, profileRequest);
  const env = c.env;
  const tenant = await getTenant(env, tenantId);
  const source = tenant ? findSource(tenant, sourceId) : undefined;
  const adapter = source ? sourceDefinition(source.type) : undefined;
  if (!tenant || !source || !adapter) throw new ApiError(404, "not_found", "Unknown tenant or source");
  const stages: { stage: string; ms: number }[] = [];
  const time = async (stage: string, fn: (i: number) => unknown) => stages.push({ stage, ms: await timeRepeated(n, fn) });

  await time("tenant_lookup", () => getTenantForRequest(env, tenantId));
  await time("tenant_lookup_cache_miss_kv_read", () => getTenant(env, tenantId));
  await time("secret_decryption", () => decryptSourceSecret(env, tenant, sourceId));
  const now = clock.now();
  const ctx = { tenantId, sourceId, secret: await decryptSourceSecret(env, tenant, sourceId), options: source.options, now };
  const request = { headers: new Headers(rawHeaders), body: utf8(text) };
  if (!(await adapter.verify(request, ctx))) throw new ApiError(400, "invalid_signature", "The sample webhook does not verify");
  await time("verification", () => adapter.verify(request, ctx));
  await time("rate_limit_check", (i) => withinLimit(env.WEBHOOK_TENANT_RL, `bench-profile-${i}`));
  const parse = () => applyBounds(adapter.parse({ ...request, text: decodeUtf8(request.body) }, ctx), adapter, now);
  const parsed = parse();
  if (parsed.kind !== "conversion") {
    throw new ApiError(
      400,
      "not_a_conversion",
      `The sample webhook is not a conversion: ${parsed.kind === "ignored" ? parsed.reason : "an adjustment"}`,
    );
  }
  await time("parsing", parse);
  const plan = consentPlan(tenant);
  const families = () => identityFamilies(plan);
  await time("normalization_hashing", () => toRelayEvent(parsed.event, tenant, families()));

  const event = await toRelayEvent(parsed.event, tenant, families());
  const ingestPlan = { tenantId, region: tenant.region, ...plan };
  await time("rpc_round_trip", () => tenantRelay(env, tenant).benchPing(event));
  const unique = `${event.dedupKey}-profile-${now}`;
  await time("rpc_and_write_path", (i) => tenantRelay(env, tenant).ingest({ ...event, dedupKey: `${unique}-${i}` }, ingestPlan));
  const writePath = await tenantRelay(env, tenant).benchProfileIngest({ ...event, dedupKey: `${unique}-do` }, ingestPlan, n);
  return c.json({ iterations: n, sourceType: source.type, stages, writePath });
});

benchApp.get("/storage/:tenantId", async (c) => {
  const tenant = await getTenant(c.env, c.req.param("tenantId"));
  if (!tenant) throw new ApiError(404, "not_found", "Unknown tenant");
  const counts = await tenantRelay(c.env, tenant).benchStorageCounts(c.req.query("reset") === "1");
  return c.json({ counts });
});
