import type { TenantConfig } from "../../config/types";

export type Actor = { kind: "operator" } | { kind: "tenant"; tenantId: string };

/** Hono environment of the admin area: the authenticated actor and, under /tenants/:id, the tenant. */
export interface AdminEnv {
  Bindings: Env;
  Variables: { actor: Actor; tenant: TenantConfig };
}
