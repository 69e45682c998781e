import { Hono } from "hono";
import { z } from "zod";
import { validate } from "../../http/body";
import { ApiError, methodNotAllowed } from "../../http/errors";
import { tenantRelay } from "../../platform/durable";
import type { AdminEnv } from "./context";

export const listQuery = z.object({
  status: z
    .enum(["pending", "processing", "delivered", "validated", "failed", "blocked", "suppressed", "expired", "not_supported"])
    .optional(),
  since: z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .optional(),
  /** The order's events (its purchase and its refunds), however many others came since. */
  orderId: z.string().trim().min(1).max(256).optional(),
  /** Events with a delivery to this destination (with `status`/`reason`: that delivery's). */
  destinationId: z.string().trim().min(1).max(64).optional(),
  /** Events with a delivery of this reason (a consent or delivery reason code, e.g. `meta_denied`). */
  reason: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Delivery log: GET /v1/admin/tenants/:id/events[/:eventId] (mounted behind tenant access). */
export const eventRoutes = new Hono<AdminEnv>();

eventRoutes.get("/", async (c) => {
  const filter = validate(listQuery, c.req.query());
  const events = await tenantRelay(c.env, c.get("tenant")).listEvents(filter);
  return c.json({ events });
});
eventRoutes.all("/", methodNotAllowed(["GET"]));

eventRoutes.get("/:eventId", async (c) => {
  const tenant = c.get("tenant");
  const event = await tenantRelay(c.env, tenant).getEvent(c.req.param("eventId"), tenant.siteUrl ?? undefined);
  if (!event) throw new ApiError(404, "event_not_found", "No such event (events are kept 24 hours)");
  return c.json(event);
});
eventRoutes.all("/:eventId", methodNotAllowed(["GET"]));

eventRoutes.post("/:eventId/replay", async (c) => {
  const result = await tenantRelay(c.env, c.get("tenant")).replay(c.req.param("eventId"));
  if (!result) throw new ApiError(410, "event_gone", "Events can be replayed only within 24 hours of receipt");
  return c.json({ status: "replaying", ...result }, 202);
});
eventRoutes.all("/:eventId/replay", methodNotAllowed(["POST"]));
