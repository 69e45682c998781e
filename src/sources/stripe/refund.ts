import { z } from "zod";
import { adjustmentResult } from "../shared/adjustment";
import { validate } from "../../http/body";
import { firstText, record, text } from "../shared/fields";
import { fromMinorUnits } from "../shared/money";
import { currencyCode, idString } from "../shared/schema";
import type { ParseResult, SourceContext } from "../types";
import type { StripeEvent } from "./event";
import { STRIPE_METADATA } from "./map";

/**
 * `charge.refunded`: "Occurs whenever a charge is refunded, including partial refunds"
 * (https://docs.stripe.com/api/events/types#event_types-charge.refunded). Its object is the
 * Charge (https://docs.stripe.com/api/charges/object): `amount` and the cumulative
 * `amount_refunded` in minor units, `refunded: true` once fully refunded, and the
 * `payment_intent` its Checkout Session recorded — the key the conversion is found by.
 */
export const CHARGE_REFUNDED = "charge.refunded";

const chargeSchema = z.looseObject({
  id: idString,
  amount: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: currencyCode,
  refunded: z.boolean().optional(),
  payment_intent: z.unknown().optional(),
  metadata: z.unknown().optional(),
});

/** The alias a Checkout Session's conversion records, so a refund of its charge finds it. */
export function paymentIntentAlias(paymentIntent: unknown): string | undefined {
  const id = typeof paymentIntent === "string" ? paymentIntent : text(record(paymentIntent).id);
  return id ? `payment_intent:${id}` : undefined;
}

export function stripeRefund(event: StripeEvent, ctx: SourceContext): ParseResult {
  const charge = validate(chargeSchema, event.data.object);
  const orderKey = paymentIntentAlias(charge.payment_intent);
  if (!orderKey) return { kind: "ignored", reason: "charge_without_payment_intent" };
  const net = Math.max(0, charge.amount - charge.amount_refunded);
  return adjustmentResult(ctx, {
    orderKey,
    // Cumulative: a redelivery repeats it, the next partial refund raises it.
    adjustmentKey: `refunded:${charge.amount_refunded}`,
    deliveryId: event.id,
    ...(firstText(record(charge.metadata)[STRIPE_METADATA.orderId])
      ? { orderId: firstText(record(charge.metadata)[STRIPE_METADATA.orderId])! }
      : {}),
    kind: "refund",
    // When the refund happened (the event's creation), not when the charge was made.
    occurredAt: event.created * 1000,
    netValue: fromMinorUnits(net, charge.currency),
    full: charge.refunded === true || net === 0,
    currency: charge.currency,
  });
}
