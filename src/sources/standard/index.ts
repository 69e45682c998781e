import { z } from "zod";
import { validate, parseJson } from "../../http/body";
import type { ConversionEvent } from "../../events/conversion";
import { consentSchema } from "../../consent/schema";
import { fromBase64 } from "../../config/encoding";
import { defineSource } from "../types";
import { clickIdsShape } from "../shared/click-ids";
import { verifyStandardSignature } from "./signature";

/** Empty strings in optional fields mean "not given" (the documented body shows them blank). */
const optionalText = z
  .string()
  .max(1024)
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

export const bodySchema = z.object({
  type: z.string().min(1).max(64).default("purchase"),
  orderId: z.string().trim().min(1).max(256),
  occurredAt: z.iso.datetime({ offset: true }),
  value: z.number().finite().nonnegative(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "must be an ISO-4217 code")
    .transform((c) => c.toUpperCase()),
  eventName: z.string().min(1).max(64).optional(),
  items: z
    .array(z.object({ id: z.string().min(1).max(256), quantity: z.number().int().positive(), price: z.number().finite().optional() }))
    .max(500)
    .default([]),
  customer: z
    .object({
      email: optionalText,
      phone: optionalText,
      firstName: optionalText,
      lastName: optionalText,
      city: optionalText,
      state: optionalText,
      zip: optionalText,
      country: optionalText,
      externalId: optionalText,
    })
    .prefault({}),
  clickIds: z.object(clickIdsShape(optionalText)).prefault({}),
  client: z.object({ ip: optionalText, userAgent: optionalText, pageUrl: optionalText }).prefault({}),
  joinKey: optionalText,
  consent: consentSchema.optional(),
});

/**
 * `{"type":"refund","orderId","occurredAt","value"?,"currency"?}`: `value` is the amount given back
 * (absent: the whole order). Its dedup key is the order id, the time and the amount, so a resent
 * refund counts once and a second partial refund counts again.
 */
const refundSchema = z.object({
  type: z.literal("refund"),
  orderId: z.string().trim().min(1).max(256),
  occurredAt: z.iso.datetime({ offset: true }),
  value: z.number().finite().nonnegative().optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "must be an ISO-4217 code")
    .transform((c) => c.toUpperCase())
    .optional(),
  joinKey: optionalText,
  consent: consentSchema.optional(),
});

function withoutUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

// Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
// the key after `whsec_` is standard base64, here of 24 to 64 bytes.
const STANDARD_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

function standardSecretProblem(secret: string): string | null {
  const key = STANDARD_SECRET.exec(secret)?.[1];
  const bytes = key === undefined ? null : fromBase64(key);
  return !bytes || bytes.length < 24 || bytes.length > 64 ? "a standard source's secret must be whsec_<base64 of a 24-64 byte key>" : null;
}

/** Sluice's own webhook format (README, "The standard source"); its dedup key is the order id. */
export const standardSource = defineSource({
  type: "standard",
  secretProblem: standardSecretProblem,
  bounds: { value: "value", occurredAt: "occurredAt", itemPrice: "items.price", outOfRange: "reject" },

  verify: (req, ctx) => verifyStandardSignature(req.headers, req.body, ctx.secret, ctx.now, ctx.key),

  parse(req, ctx) {
    const json = parseJson(req.text);
    if (json !== null && typeof json === "object" && (json as { type?: unknown }).type === "refund") {
      const refund = validate(refundSchema, json);
      const occurredAt = Date.parse(refund.occurredAt);
      return {
        kind: "adjustment",
        adjustment: {
          tenantId: ctx.tenantId,
          sourceId: ctx.sourceId,
          orderKey: refund.orderId,
          adjustmentKey: `${occurredAt}:${refund.value ?? "full"}`,
          deliveryId: req.headers.get("webhook-id") ?? undefined,
          orderId: refund.orderId,
          kind: "refund",
          occurredAt,
          ...(refund.value !== undefined ? { refundedValue: refund.value } : {}),
          full: refund.value === undefined,
          ...(refund.currency ? { currency: refund.currency } : {}),
          ...(refund.consent ? { consent: refund.consent } : {}),
          ...(refund.joinKey ? { joinKey: refund.joinKey } : {}),
        },
      };
    }
    const body = validate(bodySchema, json);
    if (body.type !== "purchase") return { kind: "ignored", reason: `unsupported_type:${body.type.slice(0, 32)}` };
    const event: ConversionEvent = {
      tenantId: ctx.tenantId,
      sourceId: ctx.sourceId,
      dedupKey: body.orderId,
      deliveryId: req.headers.get("webhook-id") ?? undefined,
      orderId: body.orderId,
      eventName: body.eventName ?? "Purchase",
      occurredAt: Date.parse(body.occurredAt),
      value: body.value,
      currency: body.currency,
      items: body.items,
      customer: withoutUndefined(body.customer),
      clickIds: withoutUndefined(body.clickIds),
      client: withoutUndefined(body.client),
      consent: body.consent,
      joinKey: body.joinKey,
    };
    return { kind: "conversion", event };
  },
});
