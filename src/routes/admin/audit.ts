import { Hono } from "hono";
import { z } from "zod";
import { listAudit } from "../../config/audit";
import { ApiError } from "../../http/errors";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/**
 * `GET /v1/admin/tenants/:id/audit?since=&before=&limit=` (the tenant's key: its own log; the
 * operator: any tenant's, a deleted one's included). Newest first. Each entry says what was done,
 * by which kind of actor, when, and which fields changed: never a value.
 */
export const auditRoutes = new Hono<AdminEnv>();

const isoTime = z.iso.datetime({ offset: true });
export const querySchema = z.object({
  since: isoTime.optional(),
  before: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

auditRoutes.get("/", async (c) => {
  const parsed = querySchema.safeParse(c.req.query());
  if (!parsed.success) {
    throw new ApiError(400, "invalid_request", "since and before must be ISO 8601 times; limit an integer from 1 to 200");
  }
  const { since, before, limit } = parsed.data;
  const entries = await listAudit(c.env.DB, c.req.param("id") ?? "", {
    limit,
    ...(since !== undefined && { since: new Date(since).toISOString() }),
    ...(before !== undefined && { before: new Date(before).toISOString() }),
  });
  return c.json({ entries, next: entries.length === limit ? (entries.at(-1)?.at ?? null) : null });
});

auditRoutes.all("/", methodNotAllowed(["GET"]));
