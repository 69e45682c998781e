import { Hono } from "hono";
import { z } from "zod";
import { authFailureBudget } from "../http/rate-limit";
import { limitBody, readJson } from "../http/body";
import { ApiError } from "../http/errors";
import { subjectKeys } from "../identity/subjects";
import { tenantRelay } from "../platform/durable";
import { log } from "../platform/log";
import { authenticate, tenantAccess } from "./admin/auth";
import type { AdminEnv } from "./admin/context";

const id = z.string().trim().min(1).max(1024).optional();
export const subjectSchema = z
  .strictObject({ email: id, phone: id, externalId: id, fbp: id, fbc: id, gclid: id, gbraid: id, wbraid: id, orderId: id, joinKey: id })
  .refine((s) => Object.values(s).some((v) => v !== undefined), "name at least one identifier");

/** Hashed subject keys of a withdrawal or erasure request, normalized like the webhooks' own. */
export async function requestedSubjectKeys(body: z.infer<typeof subjectSchema>, defaultCountry?: string): Promise<string[]> {
  const { fbp, fbc, gclid, gbraid, wbraid, ...rest } = body;
  const keys = await subjectKeys({ ...rest, clickIds: { fbp, fbc, gclid, gbraid, wbraid } }, defaultCountry);
  if (keys.length === 0) throw new ApiError(400, "invalid_request", "No usable identifier was given");
  return keys;
}

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
