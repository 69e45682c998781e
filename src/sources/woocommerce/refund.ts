import { ApiError } from "../../http/errors";
import { adjustmentResult } from "../shared/adjustment";
import { consentFromField } from "../shared/consent";
import { isoTime, record, text } from "../shared/fields";
import { fieldLookup } from "../shared/schema";
import type { ParseResult, SourceContext } from "../types";
import { WOO_CONSENT_META } from "./map";
import type { WooOptions } from "./options";
import type { WooOrder } from "./order";

/**
 * An order moving to `refunded` or `cancelled` (https://woocommerce.com/document/managing-orders/
 * "Order statuses": Refunded — "Refunded by an admin - no further action required"; Cancelled —
 * "Cancelled by an admin or the customer"). Both take the whole order back. A partial refund
 * leaves the status as it was, so it is not seen here. A cancelled order that was never paid was
 * never a conversion and is ignored.
 */
export const WOO_ADJUSTMENT_STATUSES = ["refunded", "cancelled"] as const;

export function wooAdjustment(order: WooOrder, options: WooOptions, ctx: SourceContext, headers: Headers): ParseResult {
  const status = order.status as (typeof WOO_ADJUSTMENT_STATUSES)[number];
  if (status === "cancelled" && !text(order.date_paid_gmt)) return { kind: "ignored", reason: "cancelled_unpaid" };
  // `*_gmt` fields are UTC without an offset; `date_modified_gmt` is when the status changed.
  const occurredAt = isoTime(record(order).date_modified_gmt);
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "date_modified_gmt: must be an ISO-8601 time");
  const meta = fieldLookup(order.meta_data, "key");
  const consent = consentFromField(meta(WOO_CONSENT_META));
  const joinKey = text(meta(options.joinKeyMetaKey));
  return adjustmentResult(
    ctx,
    {
      orderKey: order.id,
      adjustmentKey: `status:${status}`,
      deliveryId: text(headers.get("x-wc-webhook-delivery-id")),
      orderId: order.id,
      kind: status === "refunded" ? "refund" : "cancellation",
      occurredAt,
      full: true,
      currency: order.currency,
    },
    { consent, joinKey },
  );
}
