import { Hono } from "hono";
import { authFailureBudget } from "../http/rate-limit";
import { limitBody, readJson } from "../http/body";
import { methodNotAllowed } from "../http/errors";
import { requestedSubjectKeys, subjectSchema } from "../identity/subject-request";
import { tenantRelay } from "../platform/durable";
import { log } from "../platform/log";
import { authenticate, tenantAccess } from "./admin/auth";
import type { AdminEnv } from "./admin/context";

/** POST /v1/consent/:tenantId/withdraw (tenant key or operator). */
export const consentRoutes = new Hono<AdminEnv>();

consentRoutes.use("*", authFailureBudget, limitBody, authenticate);
consentRoutes.use("/:id/*", tenantAccess);

consentRoutes.post("/:id/withdraw", async (c) => {
  const tenant = c.get("tenant");
  const keys = await requestedSubjectKeys(await readJson(c, subjectSchema), tenant.defaultCountry);
  const result = await tenantRelay(c.env, tenant).withdraw(keys);
  log.info("withdrawal", { tenantId: tenant.id, count: result.suppressed });
  return c.json({ status: "withdrawn", ...result });
});
consentRoutes.all("/:id/withdraw", methodNotAllowed(["POST"]));
