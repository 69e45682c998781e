import { Hono } from "hono";
import type { AdminEnv } from "./context";

/** Delivery log: GET /v1/admin/tenants/:id/events[/:eventId] (mounted behind tenant access). */
export const eventRoutes = new Hono<AdminEnv>();
