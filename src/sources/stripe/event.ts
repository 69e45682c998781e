import { z } from "zod";
import { currencyCode, idString, loose } from "../shared/schema";

/** The event envelope: `{ id, type, created, livemode, data: { object } }`. */
export const stripeEventSchema = z.looseObject({
  id: z.string().min(1).max(256),
  type: z.string().min(1).max(128),
  created: z.number().int().positive(),
  livemode: z.boolean().optional(),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});

/** A Checkout Session, strict on what a conversion needs. `amount_total` is in minor units. */
export const checkoutSessionSchema = z.looseObject({
  id: idString,
  amount_total: z.number().int().nonnegative(),
  currency: currencyCode,
  payment_status: z.string().min(1).max(64),
  customer: loose,
  customer_email: loose,
  customer_details: loose,
  client_reference_id: loose,
  metadata: loose,
  payment_intent: loose,
});

export type StripeEvent = z.output<typeof stripeEventSchema>;
export type CheckoutSession = z.output<typeof checkoutSessionSchema>;

/** The two event types that can carry a paid checkout (https://docs.stripe.com/checkout/fulfillment). */
export const SESSION_COMPLETED = "checkout.session.completed";
export const ASYNC_PAYMENT_SUCCEEDED = "checkout.session.async_payment_succeeded";
