import { Hono } from "hono";
import { methodNotAllowed } from "../../http/errors";
import { tenantRelay } from "../../platform/durable";
import type { AdminEnv } from "./context";

/** GET /v1/admin/tenants/:id/stats — personal-data-free aggregates of the last 24 h. */
export const statsRoutes = new Hono<AdminEnv>();

statsRoutes.get("/", async (c) => {
  const tenant = c.get("tenant");
  return c.json(await tenantRelay(c.env, tenant).stats(Object.keys(tenant.destinations)));
});
statsRoutes.all("/", methodNotAllowed(["GET"]));
