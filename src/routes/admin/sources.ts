import { Hono } from "hono";
import { changedKeys } from "../../config/audit";
import { encryptSecret, secretAad } from "../../config/crypto";
import { sourceView } from "../../config/redact";
import { putSourceSchema } from "../../config/source-schema";
import { findSource } from "../../config/tenant-store";
import type { SourceConfig } from "../../config/types";
import { readJson } from "../../http/body";
import { ApiError } from "../../http/errors";
import { clock } from "../../platform/clock";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { methodNotAllowed, pathId } from "./route-helpers";

/** `/v1/admin/tenants/:id/sources[/:sourceId]` (behind tenantAccess). Secrets are write-only. */
export const sourceRoutes = new Hono<AdminEnv>();

sourceRoutes.get("/", (c) => c.json({ sources: Object.values(c.get("tenant").sources).map(sourceView) }));
sourceRoutes.all("/", methodNotAllowed(["GET"]));

sourceRoutes.put("/:sourceId", async (c) => {
  const sourceId = pathId(c.req.param("sourceId"), "sourceId");
  const body = await readJson(c, putSourceSchema);
  const tenant = c.get("tenant");
  const existing = findSource(tenant, sourceId);

  // Leaving the secret out keeps the stored one, but only where it still fits the type.
  let secret: string;
  if (body.secret !== undefined) {
    secret = await encryptSecret(c.env.ENCRYPTION_KEY, body.secret, secretAad(tenant.id, "source", sourceId));
  } else if (existing && existing.type === body.type) {
    secret = existing.secret;
  } else {
    throw new ApiError(400, "invalid_request", "secret: required for a new source or a change of type");
  }

  // Leaving credentials out keeps the stored ones while the type stays the same.
  const kept = existing && existing.type === body.type && existing.credentials ? existing : undefined;
  const credentials = body.credentials
    ? {
        credentials: await encryptSecret(
          c.env.ENCRYPTION_KEY,
          JSON.stringify(body.credentials),
          secretAad(tenant.id, "source-credentials", sourceId),
        ),
        credentialFields: Object.keys(body.credentials).sort(),
      }
    : kept
      ? { credentials: kept.credentials, credentialFields: kept.credentialFields ?? [] }
      : {};
  const source: SourceConfig = {
    id: sourceId,
    type: body.type,
    secret,
    options: body.options,
    ...credentials,
    updatedAt: new Date(clock.now()).toISOString(),
  };
  const fields = [
    ...changedKeys({ type: existing?.type, options: existing?.options }, { type: source.type, options: source.options }),
    ...(body.secret !== undefined ? ["secret"] : []),
    ...Object.keys(body.credentials ?? {}).map((k) => `credentials.${k}`),
  ];
  const saved = await commitTenant(
    c,
    { ...tenant, sources: { ...tenant.sources, [sourceId]: source } },
    {
      action: "source.put",
      targetId: sourceId,
      detail: { fields, created: !existing },
    },
  );
  const stored = findSource(saved, sourceId) ?? source;
  return c.json(sourceView(stored), existing ? 200 : 201);
});

sourceRoutes.get("/:sourceId", (c) => {
  const sourceId = pathId(c.req.param("sourceId"), "sourceId");
  const source = findSource(c.get("tenant"), sourceId);
  if (!source) throw new ApiError(404, "source_not_found", `No source "${sourceId}" for this tenant`);
  return c.json(sourceView(source));
});

sourceRoutes.delete("/:sourceId", async (c) => {
  const sourceId = pathId(c.req.param("sourceId"), "sourceId");
  const tenant = c.get("tenant");
  if (!findSource(tenant, sourceId)) throw new ApiError(404, "source_not_found", `No source "${sourceId}" for this tenant`);
  const { [sourceId]: _removed, ...sources } = tenant.sources;
  await commitTenant(c, { ...tenant, sources }, { action: "source.delete", targetId: sourceId, detail: {} });
  return c.json({ deleted: sourceId });
});

sourceRoutes.all("/:sourceId", methodNotAllowed(["GET", "PUT", "DELETE"]));
