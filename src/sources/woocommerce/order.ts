import { z } from "zod";
import { isoTime } from "../shared/fields";
import { currencyCode, decimalAmount, idString, loose } from "../shared/schema";

/** The REST `/wc/v3/orders/{id}` shape the `order.*` topics send. */
export const wooOrderSchema = z.looseObject({
  id: idString,
  status: z.string().min(1).max(64),
  currency: currencyCode,
  total: decimalAmount,
  date_created_gmt: z.string().min(1).max(64),
  date_paid_gmt: loose,
  customer_id: loose,
  billing: loose,
  shipping: loose,
  customer_ip_address: loose,
  customer_user_agent: loose,
  meta_data: loose,
  line_items: loose,
});

export type WooOrder = z.output<typeof wooOrderSchema>;

export const WOO_ORDER_TOPICS = ["order.created", "order.updated"] as const;

/**
 * Whether the order was paid before the relay's dedup window: WooCommerce sets `date_paid_gmt`
 * once, when the order first reaches its paid status (`WC_Order::maybe_set_date_paid`,
 * https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/class-wc-order.php),
 * and that update was the conversion. A later update of a paid order (processing → completed
 * when it ships, days later) no longer finds that conversion's record, kept `windowMs`, and would
 * count the order again; Meta only deduplicates an `event_id` for 48 hours
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/deduplicate-pixel-and-server-events). An order without
 * `date_paid_gmt` (custom paid statuses) is judged by its status alone, as before.
 */
export function paidBeforeWindow(order: WooOrder, now: number, windowMs: number): boolean {
  const paidAt = isoTime(order.date_paid_gmt);
  return paidAt !== undefined && paidAt < now - windowMs;
}
