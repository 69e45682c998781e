import { Hono } from "hono";
import { changedKeys } from "../../config/audit";
import { putConsentPolicySchema } from "../../config/consent-policy-schema";
import { DEFAULT_CONSENT_POLICY, type ConsentPolicy } from "../../config/types";
import { readJson } from "../../http/body";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/** `/v1/admin/tenants/:id/consent-policy` (behind tenantAccess). PUT replaces; absent fields take the defaults. */
export const consentPolicyRoutes = new Hono<AdminEnv>();

consentPolicyRoutes.get("/", (c) => c.json(c.get("tenant").consentPolicy ?? DEFAULT_CONSENT_POLICY));

consentPolicyRoutes.put("/", async (c) => {
  const policy: ConsentPolicy = await readJson(c, putConsentPolicySchema);
  const tenant = c.get("tenant");
  const fields = changedKeys({ ...tenant.consentPolicy }, { ...policy });
  if (fields.length === 0) return c.json(policy);
  const saved = await commitTenant(
    c,
    { ...tenant, consentPolicy: policy },
    {
      action: "consent_policy.put",
      targetId: "consent-policy",
      detail: { fields },
    },
  );
  return c.json(saved.consentPolicy);
});

consentPolicyRoutes.all("/", methodNotAllowed(["GET", "PUT"]));
