import { Hono } from "hono";
import { authFailureBudget } from "../../http/rate-limit";
import { apiKeyRoutes } from "./api-keys";
import { auditRoutes } from "./audit";
import { reencryptRoutes } from "./reencrypt";
import { limitBody } from "../../http/body";
import { authenticate, tenantAccess } from "./auth";
import { beaconKeyRoutes } from "./beacon-key";
import { consentPolicyRoutes } from "./consent-policy";
import type { AdminEnv } from "./context";
import { destinationRoutes } from "./destinations";
import { eventRoutes } from "./events";
import { sourceRoutes } from "./sources";
import { statsRoutes } from "./stats";
import { subjectRoutes } from "./subjects";
import { dryRunRoutes } from "./dry-run";
import { tenantCollectionRoutes, tenantRoutes } from "./tenants";
import { whoamiRoutes } from "./whoami";

/**
 * Admin API. Every route authenticates; everything under /tenants/:id (including
 * /tenants/:id itself, which Hono's `/*` also matches) passes tenantAccess, which sets `tenant`.
 */
export const adminRoutes = new Hono<AdminEnv>();

adminRoutes.use("*", authFailureBudget, limitBody, authenticate);
adminRoutes.use("/tenants/:id/*", tenantAccess);

adminRoutes.route("/tenants", tenantCollectionRoutes);
adminRoutes.route("/tenants/:id", tenantRoutes);
adminRoutes.route("/tenants/:id/sources", sourceRoutes);
adminRoutes.route("/tenants/:id/destinations", destinationRoutes);
adminRoutes.route("/tenants/:id/consent-policy", consentPolicyRoutes);
adminRoutes.route("/tenants/:id/events", eventRoutes);
adminRoutes.route("/tenants/:id/stats", statsRoutes);
adminRoutes.route("/tenants/:id/subjects", subjectRoutes);
adminRoutes.route("/tenants/:id/dry-run", dryRunRoutes);
adminRoutes.route("/tenants/:id/beacon-key", beaconKeyRoutes);
adminRoutes.route("/tenants/:id/api-keys", apiKeyRoutes);
adminRoutes.route("/tenants/:id/audit", auditRoutes);
adminRoutes.route("/reencrypt", reencryptRoutes);
adminRoutes.route("/whoami", whoamiRoutes);
