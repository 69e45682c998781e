import { z } from "zod";
import { currencyCode, decimalAmount, idString, loose } from "../shared/schema";

/**
 * The REST order JSON of `orders/*` webhooks: strict on what a conversion needs (id, amount,
 * currency, time), lenient on the rest, which is read through ../shared/fields.
 */
export const shopifyOrderSchema = z.looseObject({
  id: idString,
  admin_graphql_api_id: z.string().max(256).optional(),
  created_at: z.string().min(1).max(64),
  processed_at: loose,
  currency: currencyCode,
  total_price: decimalAmount,
  presentment_currency: loose,
  total_price_set: loose,
  test: z.boolean().optional(),
  cancelled_at: loose,
  email: loose,
  contact_email: loose,
  phone: loose,
  customer: loose,
  billing_address: loose,
  shipping_address: loose,
  browser_ip: loose,
  client_details: loose,
  landing_site: loose,
  note_attributes: loose,
  line_items: loose,
  checkout_token: loose,
  cart_token: loose,
});

export type ShopifyOrder = z.output<typeof shopifyOrderSchema>;

/**
 * The id as an exact string. Shopify ids can exceed 2^53 (its own sample payloads do), which
 * JSON.parse rounds; the GraphQL gid in the same payload keeps every digit.
 */
export function exactId(gid: unknown, id: string): string {
  const digits = typeof gid === "string" ? /\/(\d+)$/.exec(gid)?.[1] : undefined;
  return digits ?? id;
}
