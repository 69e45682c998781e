import { effectiveSettings } from "../../destinations/effective-settings";
import { Hono } from "hono";
import { z } from "zod";
import { utf8 } from "../../config/encoding";
import { findDestination, findSource } from "../../config/tenant-store";
import { destinationAdapters } from "../../destinations/registry";
import { eventSummary } from "../../events/summary";
import { readJson } from "../../http/body";
import { ApiError, methodNotAllowed } from "../../http/errors";
import { decideDeliveries } from "../../pipeline/consent-gate";
import { receiveWebhook } from "../../pipeline/receive";
import { clock } from "../../platform/clock";
import type { AdminEnv } from "./context";
import { redactIdentifiers } from "./redact-payload";

// RFC 9110 §5.1 field names are tokens; §5.5 values may not hold CR, LF or NUL. `new Headers()`
// throws a TypeError on anything else, which would be a 500.
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, "must be an HTTP header name (RFC 9110 token)");
const headerValue = z
  .string()
  .max(16_384)
  .regex(/^[\t\x20-\x7E\x80-\xFF]*$/, "must be a header value: no CR, LF, NUL or other control characters");

export const dryRunSchema = z.strictObject({
  sourceId: z.string().min(1).max(64),
  headers: z.record(headerName, headerValue).default(() => ({})),
  /** The webhook body exactly as the platform sends it: a string, or JSON that is serialized. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]),
});

/**
 * POST /v1/admin/tenants/:id/dry-run — what Sluice would do with a webhook, without storing or
 * sending anything: signature check, the parsed event, each destination's consent decision with
 * its reason, and the exact outbound body. Identifier values are redacted like everywhere in the
 * admin API; the field names show what would be sent. A beacon under the join key is not read.
 */
export const dryRunRoutes = new Hono<AdminEnv>();

dryRunRoutes.post("/", async (c) => {
  const tenant = c.get("tenant");
  const input = await readJson(c, dryRunSchema);
  const source = findSource(tenant, input.sourceId);
  if (!source) throw new ApiError(404, "source_not_found", "Unknown source");

  const now = clock.now();
  const text = typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  // The same reception as ingest, except that a bad signature is reported instead of refused.
  const received = await receiveWebhook(
    c.env,
    tenant,
    source,
    { headers: new Headers(input.headers), body: utf8(text) },
    { now, unverified: "report" },
  );
  if (received.kind === "acknowledged") return c.json({ result: "ignored", reason: received.reason });
  const { signatureValid } = received;
  if (received.kind === "ignored") return c.json({ signatureValid, result: "ignored", reason: received.reason });
  if (received.kind === "adjustment") {
    // Where it goes depends on the stored original (see durable-objects/relay/adjust.ts).
    const { joinKeyHash, consent, ...adjustment } = received.adjustment;
    return c.json({
      signatureValid,
      result: "adjustment",
      adjustment: {
        ...adjustment,
        occurredAt: new Date(adjustment.occurredAt).toISOString(),
        joinKey: joinKeyHash !== undefined,
        consentSignals: Object.keys(consent ?? {}),
      },
    });
  }

  const { event, plan } = received;
  const deliveries = decideDeliveries(event, undefined, plan, now).map((d) => {
    const config = findDestination(tenant, d.destinationId);
    const destination = config ? destinationAdapters[config.type] : undefined;
    const base = { destinationId: d.destinationId, type: d.type, decision: d.decision, reason: d.reason };
    if (d.decision === "blocked" || !config || !destination) return base;
    const item = { eventId: "dry-run", event, decision: d.decision === "send_denied_flag" ? "send_denied_flag" : "send" } as const;
    const preview = destination.preview(item, effectiveSettings(c.env, tenant, config, destination), now);
    return "notSent" in preview ? { ...base, notSent: preview.notSent } : { ...base, payload: redactIdentifiers(preview.body) };
  });
  return c.json({
    signatureValid,
    result: "conversion",
    event: {
      orderId: event.orderId,
      dedupKey: event.dedupKey,
      ...eventSummary(event),
      items: event.items.length,
      joinKey: event.joinKeyHash !== undefined,
      enrichment: event.enrichment?.kind ?? null,
    },
    deliveries,
  });
});
dryRunRoutes.all("/", methodNotAllowed(["POST"]));
