import { Hono } from "hono";
import { changedKeys } from "../../config/audit";
import { encryptSecret, secretAad } from "../../config/crypto";
import { CREDENTIAL_FIELDS, putDestinationSchema } from "../../config/destination-schema";
import { destinationView } from "../../config/redact";
import { findDestination } from "../../config/tenant-store";
import type { DestinationConfig } from "../../config/types";
import { readJson } from "../../http/body";
import { ApiError } from "../../http/errors";
import { clock } from "../../platform/clock";
import { tenantRelay } from "../../platform/durable";
import { log } from "../../platform/log";
import { sendTestEvent } from "../../pipeline/test-event";
import { commitTenant } from "./commit";
import type { AdminEnv } from "./context";
import { redactIdentifiers } from "./redact-payload";
import { methodNotAllowed, pathId } from "./route-helpers";

/**
 * `/v1/admin/tenants/:id/destinations[/:destinationId]` (behind tenantAccess). Credentials are
 * write-only; a PUT without them keeps the stored ones, so settings can change without
 * resending secrets.
 */
export const destinationRoutes = new Hono<AdminEnv>();

destinationRoutes.get("/", (c) => c.json({ destinations: Object.values(c.get("tenant").destinations).map(destinationView) }));
destinationRoutes.all("/", methodNotAllowed(["GET"]));

destinationRoutes.put("/:destinationId", async (c) => {
  const destinationId = pathId(c.req.param("destinationId"), "destinationId");
  const body = await readJson(c, putDestinationSchema);
  const tenant = c.get("tenant");
  const existing = findDestination(tenant, destinationId);

  let credentials: string;
  let credentialFields: string[];
  if (body.credentials !== undefined) {
    const given: Record<string, string> = body.credentials;
    credentialFields = CREDENTIAL_FIELDS[body.type].filter((k) => given[k] !== undefined);
    credentials = await encryptSecret(c.env.ENCRYPTION_KEY, JSON.stringify(given), secretAad(tenant.id, "destination", destinationId));
  } else if (existing && existing.type === body.type && existing.credentials) {
    credentials = existing.credentials;
    credentialFields = existing.credentialFields;
  } else {
    throw new ApiError(
      400,
      "invalid_request",
      `credentials: required for a new ${body.type} destination or a change of type (${CREDENTIAL_FIELDS[body.type].join(", ")})`,
    );
  }

  const destination: DestinationConfig = {
    id: destinationId,
    type: body.type,
    enabled: body.enabled ?? existing?.enabled ?? true,
    settings: body.settings,
    credentials,
    credentialFields,
    updatedAt: new Date(clock.now()).toISOString(),
  };
  const fields = [
    ...changedKeys({ type: existing?.type, enabled: existing?.enabled }, { type: destination.type, enabled: destination.enabled }),
    ...changedKeys(existing?.settings, destination.settings, "settings."),
    ...(body.credentials !== undefined ? credentialFields.map((k) => `credentials.${k}`) : []),
  ];
  const saved = await commitTenant(
    c,
    { ...tenant, destinations: { ...tenant.destinations, [destinationId]: destination } },
    { action: "destination.put", targetId: destinationId, detail: { fields, created: !existing } },
  );
  const stored = findDestination(saved, destinationId) ?? destination;
  // New credentials or settings may be the fix a held lane waits for: it resumes and drains now.
  // A destination created under the id of a deleted one starts clear too: the old one's hold or
  // open circuit is not its own.
  const relay = tenantRelay(c.env, saved);
  await relay.resumeLane(destinationId);
  return c.json({ ...destinationView(stored), lane: await relay.laneState(destinationId) }, existing ? 200 : 201);
});

destinationRoutes.get("/:destinationId", async (c) => {
  const destinationId = pathId(c.req.param("destinationId"), "destinationId");
  const destination = findDestination(c.get("tenant"), destinationId);
  if (!destination) throw new ApiError(404, "destination_not_found", `No destination "${destinationId}" for this tenant`);
  const lane = await tenantRelay(c.env, c.get("tenant")).laneState(destinationId);
  return c.json({ ...destinationView(destination), lane });
});

/** Resends the destination's failed and expired deliveries whose events are within their 24 h. */
destinationRoutes.post("/:destinationId/replay", async (c) => {
  const destinationId = pathId(c.req.param("destinationId"), "destinationId");
  const tenant = c.get("tenant");
  if (!findDestination(tenant, destinationId)) {
    throw new ApiError(404, "destination_not_found", `No destination "${destinationId}" for this tenant`);
  }
  return c.json(await tenantRelay(c.env, tenant).replayDestination(destinationId));
});
destinationRoutes.all("/:destinationId/replay", methodNotAllowed(["POST"]));

/**
 * "Send a test event": one sample purchase to a destination in its platform's test mode (a test
 * event code, or validateOnly), sent now and answered with the platform's verdict as the relay
 * classifies it; nothing is stored. Outside the test mode nothing is sent (409): use the dry run.
 */
destinationRoutes.post("/:destinationId/test-event", async (c) => {
  const destinationId = pathId(c.req.param("destinationId"), "destinationId");
  const tenant = c.get("tenant");
  const destination = findDestination(tenant, destinationId);
  if (!destination) throw new ApiError(404, "destination_not_found", `No destination "${destinationId}" for this tenant`);
  const answer = await sendTestEvent(c.env, tenant, destination, {
    now: clock.now(),
    userAgent: c.req.header("user-agent") ?? "Sluice test event",
    pageUrl: tenant.siteUrl ?? `${new URL(c.req.url).origin}/console`,
  });
  if (!answer.sent) {
    throw new ApiError(
      409,
      "test_mode_off",
      "This destination sends live traffic: set testEventCode (Meta, TikTok) or validateOnly (Google, Pinterest) in its settings to send a test event, or use the dry run",
    );
  }
  const { sent: _sent, payload, ...verdict } = answer;
  log.info("test_event_sent", { tenantId: tenant.id, destinationId, status: verdict.status });
  return c.json({
    destinationId,
    type: destination.type,
    ...verdict,
    ...(payload !== undefined ? { payload: redactIdentifiers(payload) } : {}),
  });
});
destinationRoutes.all("/:destinationId/test-event", methodNotAllowed(["POST"]));

destinationRoutes.delete("/:destinationId", async (c) => {
  const destinationId = pathId(c.req.param("destinationId"), "destinationId");
  const tenant = c.get("tenant");
  if (!findDestination(tenant, destinationId)) {
    throw new ApiError(404, "destination_not_found", `No destination "${destinationId}" for this tenant`);
  }
  const { [destinationId]: _removed, ...destinations } = tenant.destinations;
  await commitTenant(c, { ...tenant, destinations }, { action: "destination.delete", targetId: destinationId, detail: {} });
  return c.json({ deleted: destinationId });
});

destinationRoutes.all("/:destinationId", methodNotAllowed(["GET", "PUT", "DELETE"]));
