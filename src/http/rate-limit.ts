import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";

/** Per-IP limit on public routes (Workers Rate Limiting binding; approximate, per location). */
export const rateLimitByIp: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const { success } = await c.env.INGEST_RL.limit({ key: ip });
  if (!success) throw new ApiError(429, "rate_limited", "Too many requests");
  await next();
};
