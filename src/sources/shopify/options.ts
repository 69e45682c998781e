import { z } from "zod";

export const SHOPIFY_CONVERSION_TOPICS = ["orders/paid", "orders/create"] as const;

/** Shopify source options. */
export const shopifyOptionsSchema = z.looseObject({
  /** Topics that count as a conversion; `orders/create` suits shops with deferred payment. */
  topics: z.array(z.enum(SHOPIFY_CONVERSION_TOPICS)).min(1).default(["orders/paid"]),
  /** Orders with `test: true` (Bogus Gateway, test mode) are ignored unless this is set. */
  allowTestOrders: z.boolean().default(false),
  /** `shop`: `total_price` in the shop currency; `presentment`: what the buyer saw and paid. */
  valueCurrency: z.enum(["shop", "presentment"]).default("shop"),
  /** The storefront origin, to make Shopify's relative `landing_site` an absolute page URL. */
  storefrontUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export type ShopifyOptions = z.output<typeof shopifyOptionsSchema>;
