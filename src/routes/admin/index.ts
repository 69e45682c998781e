import { Hono } from "hono";
import type { AdminEnv } from "./context";
import { eventRoutes } from "./events";

export const adminRoutes = new Hono<AdminEnv>();
adminRoutes.route("/tenants/:id/events", eventRoutes);
