import { decryptDestinationCredentials } from "../config/tenant-store";
import type { DestinationConfig, TenantConfig } from "../config/types";
import { UNREADABLE_CREDENTIALS } from "../delivery/lane";
import { effectiveSettings } from "../destinations/effective-settings";
import { CLICK_ID_FIELDS, destinationDefinition } from "../destinations/registry";
import { type TestMode, testModeOf } from "../destinations/test-mode";
import type { DeliveryItem } from "../destinations/types";
import type { ConversionEvent } from "../events/conversion";
import { toRelayEvent } from "./relay-event";

/**
 * "Send a test event" for a destination in its platform's test mode (src/destinations/test-mode.ts):
 * one sample purchase, built here from made-up values (an example.com address, a documentation IP
 * address, `sluice-test-<name>` click ids for every click id the destinations read), hashed and
 * shaped exactly as a real delivery, and sent once through the destination's own adapter. Nothing
 * is stored, queued or counted; the lane and its circuit breaker are not touched. A destination
 * outside its test mode is never sent to: a test event must not be recorded as a real sale.
 */

/** 203.0.113.0/24 is reserved for documentation (RFC 5737), so the sample's IP is nobody's. */
const SAMPLE_IP = "203.0.113.1";

export type TestEventAnswer =
  | { sent: false }
  | {
      sent: true;
      mode: TestMode;
      status: "validated" | "processing" | "retry" | "hold" | "failed";
      code?: string;
      message?: string;
      payload?: unknown;
    };

function sampleConversion(tenant: TenantConfig, now: number, userAgent: string, pageUrl: string): ConversionEvent {
  const orderId = `sluice-test-${now}`;
  return {
    tenantId: tenant.id,
    sourceId: "test-event",
    dedupKey: `test-event:${orderId}`,
    orderId,
    eventName: "Purchase",
    occurredAt: now,
    value: 1,
    currency: "EUR",
    items: [{ id: "sluice-test-item", quantity: 1, price: 1 }],
    customer: { email: "test@example.com", ...(tenant.defaultCountry ? { country: tenant.defaultCountry } : {}) },
    clickIds: Object.fromEntries(CLICK_ID_FIELDS.map((f) => [f.name, `sluice-test-${f.name}`])),
    client: { ip: SAMPLE_IP, userAgent, pageUrl },
  };
}

export async function sendTestEvent(
  env: Env,
  tenant: TenantConfig,
  config: DestinationConfig,
  request: { now: number; userAgent: string; pageUrl: string },
): Promise<TestEventAnswer> {
  const definition = destinationDefinition(config.type);
  if (!definition) return { sent: false };
  const settings = effectiveSettings(env, tenant, config, definition);
  const mode = testModeOf(settings);
  if (!mode) return { sent: false };

  const { now } = request;
  const event = await toRelayEvent(
    sampleConversion(tenant, now, request.userAgent, request.pageUrl),
    tenant,
    new Set([definition.family]) as Parameters<typeof toRelayEvent>[2],
  );
  const item: DeliveryItem = { eventId: event.orderId, event, decision: "send" };
  const preview = definition.preview(item, settings, now);
  // What the adapter would not send (e.g. a setting the sample cannot satisfy) is not sent here either.
  if ("notSent" in preview) return { sent: true, mode, status: "failed", code: preview.notSent };
  const payload = preview.body;
  let credentials: Record<string, string>;
  try {
    credentials = await decryptDestinationCredentials(env, tenant, config.id);
  } catch {
    // What the destination's lane would do with them (src/delivery/lane.ts); nothing is sent.
    const { status, code, message } = UNREADABLE_CREDENTIALS;
    return { sent: true, mode, status, code, message, payload };
  }
  const [outcome] = await definition.send([item], {
    scope: { tenantId: tenant.id, destinationId: config.id },
    settings,
    credentials,
    env,
    now,
    fetch: (input, init) => fetch(input, init),
  });
  const base = { sent: true as const, mode, payload };
  if (!outcome) return { ...base, status: "failed", code: "no_outcome" };
  if (outcome.status === "delivered") return { ...base, status: "validated" };
  if (outcome.status === "processing") return { ...base, status: "processing" };
  return { ...base, status: outcome.status, code: outcome.code, ...(outcome.status === "hold" ? { message: outcome.message } : {}) };
}
