import { z } from "zod";

/** Stripe source options. */
export const stripeOptionsSchema = z.looseObject({
  /** Test-mode events (`livemode: false`) are ignored unless this is set, as Shopify test orders are. */
  allowTestEvents: z.boolean().default(false),
});

export type StripeOptions = z.output<typeof stripeOptionsSchema>;
