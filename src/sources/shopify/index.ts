import { parseJson, validate } from "../../http/body";
import { text } from "../shared/fields";
import { readOptions } from "../shared/schema";
import { platformSigningSecret } from "../shared/secret";
import { defineSource } from "../types";
import { shopifyConversion } from "./map";
import { shopifyOptionsSchema } from "./options";
import { shopifyOrderSchema } from "./order";
import { neverCounted, shopifyCancellation, shopifyRefund } from "./refund";
import { verifyShopifySignature } from "./signature";

/**
 * Shopify order webhooks (https://shopify.dev/docs/api/webhooks): `orders/paid`, and `orders/create` when the source's
 * `topics` include it. Dedup on the order id; `X-Shopify-Webhook-Id` only names the delivery.
 * `refunds/create` and `orders/cancelled` are adjustments of the order (./refund.ts).
 */
export const shopifySource = defineSource({
  type: "shopify",
  secretProblem: platformSigningSecret("shopify"),
  bounds: { value: "total_price", occurredAt: "processed_at", itemPrice: "line_items.price", outOfRange: "ignore" },
  optionsSchema: shopifyOptionsSchema,

  verify: (req, ctx) => verifyShopifySignature(req.headers, req.body, ctx.secret, ctx.key),

  parse(req, ctx) {
    const options = readOptions(shopifyOptionsSchema, ctx.options);
    const topic = text(req.headers.get("x-shopify-topic"));
    if (!topic) return { kind: "ignored", reason: "topic_missing" };
    if (topic === "refunds/create") return shopifyRefund(parseJson(req.text), req.text, ctx, req.headers);
    if (topic === "orders/cancelled") {
      const cancelled = validate(shopifyOrderSchema, parseJson(req.text));
      if (cancelled.test === true && !options.allowTestOrders) return { kind: "ignored", reason: "test_order" };
      if (neverCounted(cancelled, options)) return { kind: "ignored", reason: "cancelled_unpaid" };
      return shopifyCancellation(cancelled, ctx, req.headers);
    }
    if (!(options.topics as string[]).includes(topic)) return { kind: "ignored", reason: `topic:${topic.slice(0, 48)}` };
    const order = validate(shopifyOrderSchema, parseJson(req.text));
    if (order.test === true && !options.allowTestOrders) return { kind: "ignored", reason: "test_order" };
    if (text(order.cancelled_at)) return { kind: "ignored", reason: "order_cancelled" };
    return { kind: "conversion", event: shopifyConversion(order, options, ctx, req.headers) };
  },
});
