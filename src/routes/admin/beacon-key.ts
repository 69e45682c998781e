import { Hono } from "hono";
import { rotateBeaconKey } from "../../beacons/keys";
import { clock } from "../../platform/clock";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { methodNotAllowed } from "./route-helpers";

/**
 * `POST /v1/admin/tenants/:id/beacon-key` (operator or the tenant's key): a new beacon signing
 * key, shown once. Calling it again rotates; the previous key keeps verifying for 24 h.
 */
export const beaconKeyRoutes = new Hono<AdminEnv>();

beaconKeyRoutes.post("/", async (c) => {
  const tenant = c.get("tenant");
  const { beaconKey, beaconKeys } = await rotateBeaconKey(c.env, tenant, clock.now());
  await commitTenant(
    c,
    { ...tenant, beaconKeys },
    {
      action: "tenant.rotate_beacon_key",
      targetId: tenant.id,
      detail: { fields: ["beaconKey"] },
    },
  );
  c.header("Cache-Control", "no-store");
  return c.json({ beaconKey }, 201);
});

beaconKeyRoutes.all("/", methodNotAllowed(["POST"]));
