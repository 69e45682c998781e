import { Hono } from "hono";
import { readJson } from "../../http/body";
import { methodNotAllowed } from "../../http/errors";
import { requestedSubjectKeys, subjectSchema } from "../../identity/subject-request";
import { tenantRelay } from "../../platform/durable";
import { log } from "../../platform/log";
import type { AdminEnv } from "./context";

/** POST /v1/admin/tenants/:id/subjects/erase — a data subject request: erase and suppress. */
export const subjectRoutes = new Hono<AdminEnv>();

subjectRoutes.post("/erase", async (c) => {
  const tenant = c.get("tenant");
  const keys = await requestedSubjectKeys(await readJson(c, subjectSchema), tenant.defaultCountry);
  const result = await tenantRelay(c.env, tenant).eraseSubjects(keys);
  log.info("subject_erased", { tenantId: tenant.id, count: result.erasedEvents });
  return c.json({ status: "erased", ...result });
});
subjectRoutes.all("/erase", methodNotAllowed(["POST"]));
