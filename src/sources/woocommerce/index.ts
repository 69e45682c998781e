import { RETENTION_MS } from "../../delivery/backoff";
import { parseJson, validate } from "../../http/body";
import { text } from "../shared/fields";
import { readOptions } from "../shared/schema";
import { platformSigningSecret } from "../shared/secret";
import { defineSource } from "../types";
import { wooConversion } from "./map";
import { wooOptionsSchema } from "./options";
import { paidBeforeWindow, WOO_ORDER_TOPICS, wooOrderSchema } from "./order";
import { WOO_ADJUSTMENT_STATUSES, wooAdjustment } from "./refund";
import { isWooPing, verifyWooSignature } from "./signature";

/**
 * WooCommerce order webhooks (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks): `order.created` / `order.updated` count once the
 * order reaches a paid status. WooCommerce does not retry failed deliveries. An order moving to
 * `refunded` or `cancelled` is an adjustment of it (./refund.ts).
 */
export const wooCommerceSource = defineSource({
  type: "woocommerce",
  secretProblem: platformSigningSecret("woocommerce"),
  bounds: { value: "total", occurredAt: "date_created_gmt", itemPrice: "line_items.price", outOfRange: "ignore" },
  optionsSchema: wooOptionsSchema,

  acknowledge: (req) => (isWooPing(req.headers, req.body) ? { reason: "ping" } : undefined),

  verify: (req, ctx) => verifyWooSignature(req.headers, req.body, ctx.secret),

  parse(req, ctx) {
    const options = readOptions(wooOptionsSchema, ctx.options);
    const topic = text(req.headers.get("x-wc-webhook-topic"));
    if (!topic) return { kind: "ignored", reason: "topic_missing" };
    if (!(WOO_ORDER_TOPICS as readonly string[]).includes(topic)) return { kind: "ignored", reason: `topic:${topic.slice(0, 48)}` };
    const order = validate(wooOrderSchema, parseJson(req.text));
    if ((WOO_ADJUSTMENT_STATUSES as readonly string[]).includes(order.status)) return wooAdjustment(order, options, ctx, req.headers);
    if (!options.paidStatuses.includes(order.status)) return { kind: "ignored", reason: `status:${order.status.slice(0, 32)}` };
    if (paidBeforeWindow(order, ctx.now, RETENTION_MS)) return { kind: "ignored", reason: "paid_before_window" };
    return { kind: "conversion", event: wooConversion(order, options, ctx, req.headers) };
  },
});
