import { z } from "zod";
import { validate } from "../../http/body";
import { ApiError } from "../../http/errors";
import { adjustmentResult } from "../shared/adjustment";
import { consentFromField } from "../shared/consent";
import { firstText, isoTime, record, text } from "../shared/fields";
import { currencyCode, decimalAmount, fieldLookup, idString, loose } from "../shared/schema";
import type { ParseResult, SourceContext } from "../types";
import { SHOPIFY_CONSENT_ATTRIBUTE } from "./map";
import type { ShopifyOptions } from "./options";
import { exactId, type ShopifyOrder } from "./order";

/*
 * Shopify's refund and cancellation topics
 * (https://shopify.dev/docs/api/webhooks/latest?reference=toml#list-refunds/create,
 * https://shopify.dev/docs/api/webhooks/latest?reference=toml#list-orders/cancelled) are
 * adjustments of the order whatever the source's `topics` (which name the conversion topics).
 */

/**
 * The REST Refund of `refunds/create`: `{id, order_id, created_at, processed_at, transactions:
 * [{kind: "refund", status: "success", amount: "10.00", currency}], refund_line_items, …}`.
 * The transactions' currency is the buyer's ("This must be the presentment currency",
 * https://shopify.dev/docs/api/admin-graphql/latest/input-objects/RefundInput), which may not be
 * the one the conversion's value is in: the relay then takes nothing off it
 * (durable-objects/relay/adjust.ts, valueInRefundCurrency).
 */
const refundSchema = z.looseObject({
  id: idString,
  order_id: idString,
  admin_graphql_api_id: z.string().max(256).optional(),
  created_at: z.string().min(1).max(64),
  processed_at: loose,
  transactions: loose,
});

/**
 * The order id exactly as the payload writes it: ids beyond 2^53 (Shopify's own samples use them)
 * lose digits in JSON.parse, and a refund carries no GraphQL gid of its order to recover them.
 */
function rawOrderId(raw: string, parsed: string): string {
  return /"order_id"\s*:\s*"?(\d{1,30})/.exec(raw)?.[1] ?? parsed;
}

/** Money given back: the successful `refund` transactions (restock-only refunds move none). */
function refundedAmount(transactions: unknown): { value: number; currency?: string } {
  let value = 0;
  let currency: string | undefined;
  for (const raw of Array.isArray(transactions) ? transactions.slice(0, 100) : []) {
    const t = record(raw);
    if (t.kind !== "refund" || t.status !== "success") continue;
    const amount = decimalAmount.safeParse(t.amount);
    if (!amount.success) continue;
    value += amount.data;
    const code = currencyCode.safeParse(t.currency);
    currency ??= code.success ? code.data : undefined;
  }
  return { value: Math.round(value * 100) / 100, ...(currency ? { currency } : {}) };
}

/** `refunds/create`: a partial adjustment by the refunded amount (the relay knows when it is all). */
export function shopifyRefund(json: unknown, raw: string, ctx: SourceContext, headers: Headers): ParseResult {
  const refund = validate(refundSchema, json);
  const occurredAt = isoTime(refund.processed_at) ?? isoTime(refund.created_at);
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "created_at: must be an ISO-8601 time");
  const amount = refundedAmount(refund.transactions);
  if (amount.value <= 0) return { kind: "ignored", reason: "refund_without_amount" };
  const orderId = rawOrderId(raw, refund.order_id);
  return adjustmentResult(ctx, {
    orderKey: orderId,
    adjustmentKey: exactId(refund.admin_graphql_api_id, refund.id),
    deliveryId: text(headers.get("x-shopify-webhook-id")),
    orderId,
    kind: "refund",
    occurredAt,
    refundedValue: amount.value,
    full: false,
    ...(amount.currency ? { currency: amount.currency } : {}),
  });
}

/**
 * Financial statuses of an order no money was ever captured for
 * (https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus): pending,
 * authorized, expired (authorized, never captured), voided ("An unpaid (payment authorized but not
 * captured) order was manually canceled").
 */
const NEVER_PAID = new Set(["pending", "authorized", "expired", "voided"]);

/**
 * Whether a cancelled order was never a conversion of this source: `orders/paid` fires only once
 * an order is paid, so an order cancelled unpaid was never counted unless the source also counts
 * `orders/create`. Its retraction would name an order no destination has (Google answers
 * CONVERSION_NOT_FOUND), and would reveal that it existed.
 */
export function neverCounted(order: ShopifyOrder, options: ShopifyOptions): boolean {
  if (options.topics.includes("orders/create")) return false;
  const status = text(record(order).financial_status)?.toLowerCase();
  return status !== undefined && NEVER_PAID.has(status);
}

/** `orders/cancelled`: the whole order taken back, at `cancelled_at`. */
export function shopifyCancellation(order: ShopifyOrder, ctx: SourceContext, headers: Headers): ParseResult {
  const occurredAt = isoTime(order.cancelled_at) ?? isoTime(record(order).updated_at);
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "cancelled_at: must be an ISO-8601 time");
  const orderId = exactId(order.admin_graphql_api_id, order.id);
  const attribute = fieldLookup(order.note_attributes, "name");
  const consent = consentFromField(attribute(SHOPIFY_CONSENT_ATTRIBUTE));
  const joinKey = firstText(order.checkout_token, order.cart_token);
  return adjustmentResult(
    ctx,
    {
      orderKey: orderId,
      adjustmentKey: "cancelled",
      deliveryId: text(headers.get("x-shopify-webhook-id")),
      orderId,
      kind: "cancellation",
      occurredAt,
      full: true,
      currency: order.currency,
    },
    { consent, joinKey },
  );
}
