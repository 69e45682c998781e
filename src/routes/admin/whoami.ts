import { Hono } from "hono";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/**
 * `GET /v1/admin/whoami` — who the bearer token is: the operator, or a tenant key and its tenant.
 * The console asks this after sign-in to know whether to offer a tenant picker.
 */
export const whoamiRoutes = new Hono<AdminEnv>();

whoamiRoutes.get("/", (c) => {
  const actor = c.get("actor");
  return c.json(actor.kind === "operator" ? { actor: "operator" } : { actor: "tenant", tenantId: actor.tenantId });
});
whoamiRoutes.all("/", methodNotAllowed(["GET"]));
