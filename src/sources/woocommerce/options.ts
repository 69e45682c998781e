import { z } from "zod";

/** WooCommerce source options. */
export const wooOptionsSchema = z.looseObject({
  /**
   * Statuses that mean "paid": WooCommerce's own `wc_get_is_paid_statuses()` is processing and
   * completed; a shop with custom statuses (or the `woocommerce_order_is_paid_statuses` filter)
   * lists its own.
   */
  paidStatuses: z
    .array(z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be a WooCommerce status slug"))
    .min(1)
    .default(["processing", "completed"]),
  /** Order meta key a checkout snippet fills with the key its browser beacon also sends. */
  joinKeyMetaKey: z.string().min(1).max(128).default("_sluice_join_key"),
});

export type WooOptions = z.output<typeof wooOptionsSchema>;
