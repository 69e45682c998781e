import type { Context, MiddlewareHandler } from "hono";
import { parseApiKey, verifyTenantApiKey } from "../../config/api-keys";
import { constantTimeEqual } from "../../config/encoding";
import { getTenant } from "../../config/tenant-store";
import { isTombstoned } from "../../config/tombstone";
import type { TenantConfig } from "../../config/types";
import { ApiError, errorBody } from "../../http/errors";
import type { Actor, AdminEnv } from "./context";

/**
 * Admin authentication: `Authorization: Bearer <ADMIN_TOKEN | tenant key>`.
 * 401 = we do not know who you are; 403 = we do, and the path is not yours. A tenant key is
 * authorised against the path before the path's tenant is looked up, so a key for A probing B
 * gets 403 whether or not B exists.
 */

export interface Authenticated {
  actor: Actor;
  /** The key's own tenant, already loaded to check the key. */
  tenant?: TenantConfig;
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +(\S{1,512})\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Who a bearer token is, or null. Shared with other routes that accept tenant keys. */
export async function resolveToken(env: Env, token: string): Promise<Authenticated | null> {
  // An unset ADMIN_TOKEN must not turn an empty comparison into operator access.
  if (env.ADMIN_TOKEN && (await constantTimeEqual(token, env.ADMIN_TOKEN))) return { actor: { kind: "operator" } };
  const claimedId = parseApiKey(token);
  if (!claimedId) return null;
  const tenant = await getTenant(env, claimedId);
  // Unknown tenant and wrong key answer alike, so a key cannot probe which tenants exist.
  if (!tenant || !(await verifyTenantApiKey(token, tenant))) return null;
  return { actor: { kind: "tenant", tenantId: tenant.id }, tenant };
}

export function actorLabel(actor: Actor): string {
  return actor.kind === "operator" ? "operator" : `tenant:${actor.tenantId}`;
}

function unauthorized(c: Context, message: string): Response {
  return c.json(errorBody("unauthorized", message), 401, { "WWW-Authenticate": 'Bearer realm="sluice-admin"' });
}

/** Every admin route: sets `actor` (and `tenant` for a tenant key) or answers 401. */
export const authenticate: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) return unauthorized(c, "Missing bearer token");
  const who = await resolveToken(c.env, token);
  if (!who) return unauthorized(c, "Invalid token");
  c.set("actor", who.actor);
  if (who.tenant) c.set("tenant", who.tenant);
  await next();
};

export const requireOperator: MiddlewareHandler<AdminEnv> = async (c, next) => {
  if (c.get("actor").kind !== "operator") throw new ApiError(403, "forbidden", "Only the operator may do this");
  await next();
};

/**
 * `/tenants/:id/*`: a tenant key only reaches its own id (403 otherwise, before any lookup);
 * the operator reaches any existing tenant (404 `tenant_not_found` otherwise). Sets `tenant`.
 */
function isAuditPath(path: string, id: string): boolean {
  return path.replace(/\/+$/, "").endsWith(`/tenants/${id}/audit`);
}

export const tenantAccess: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const id = c.req.param("id") ?? "";
  const actor = c.get("actor");
  if (actor.kind === "tenant") {
    if (actor.tenantId !== id) throw new ApiError(403, "forbidden", "This API key cannot access that tenant");
    // `authenticate` loaded and verified this tenant moments ago.
  } else {
    const tenant = await getTenant(c.env, id);
    if (!tenant) {
      // The audit log outlives a deleted tenant, and the operator may still read it.
      if (isAuditPath(c.req.path, id) && (await isTombstoned(c.env.DB, id))) return next();
      throw new ApiError(404, "tenant_not_found", `No tenant "${id}"`);
    }
    c.set("tenant", tenant);
  }
  await next();
};
