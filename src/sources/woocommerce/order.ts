import { z } from "zod";
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
