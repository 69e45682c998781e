import type { ConversionEvent, CustomerData, LineItem } from "../../events/conversion";
import { ApiError } from "../../http/errors";
import { clickIdsFromFields, clickIdsFromUrl, mergeClickIds } from "../shared/click-ids";
import { consentFromField } from "../shared/consent";
import { compact, firstText, httpUrl, isoTime, record, text } from "../shared/fields";
import { decimalAmount, fieldLookup } from "../shared/schema";
import type { SourceContext } from "../types";
import type { WooOptions } from "./options";
import type { WooOrder } from "./order";

/** Order meta a checkout snippet may set with Sluice's consent object (README, "Consent") as JSON. */
export const WOO_CONSENT_META = "_sluice_consent";
/** WooCommerce's own order attribution (8.5+): the landing URL and the browser's user agent. */
const ATTRIBUTION_ENTRY = "_wc_order_attribution_session_entry";
const ATTRIBUTION_USER_AGENT = "_wc_order_attribution_user_agent";

function customer(order: WooOrder): CustomerData {
  const billing = record(order.billing);
  const customerId = typeof order.customer_id === "number" && order.customer_id > 0 ? String(order.customer_id) : undefined;
  return compact({
    email: firstText(billing.email),
    phone: firstText(billing.phone),
    firstName: firstText(billing.first_name),
    lastName: firstText(billing.last_name),
    city: firstText(billing.city),
    state: firstText(billing.state),
    zip: firstText(billing.postcode),
    country: firstText(billing.country),
    // Guests are customer 0, which identifies no one.
    externalId: customerId,
  });
}

function items(order: WooOrder): LineItem[] {
  const list = Array.isArray(order.line_items) ? order.line_items.slice(0, 500) : [];
  const out: LineItem[] = [];
  for (const raw of list) {
    const item = record(raw);
    const id = firstText(item.sku, item.variation_id === 0 ? undefined : item.variation_id, item.product_id);
    const quantity = item.quantity;
    if (!id || typeof quantity !== "number" || !Number.isInteger(quantity) || quantity <= 0) continue;
    const price = decimalAmount.safeParse(item.price);
    out.push(price.success ? { id, quantity, price: price.data } : { id, quantity });
  }
  return out;
}

/** A verified order reaching a paid status, as a ConversionEvent; the order id is the dedup key. */
export function wooConversion(order: WooOrder, options: WooOptions, ctx: SourceContext, headers: Headers): ConversionEvent {
  // `*_gmt` fields are UTC without an offset; the plain ones are site-local and are not used.
  const occurredAt = isoTime(order.date_created_gmt);
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "date_created_gmt: must be an ISO-8601 time");
  const meta = fieldLookup(order.meta_data, "key");
  const landing = httpUrl(meta(ATTRIBUTION_ENTRY));
  return {
    tenantId: ctx.tenantId,
    sourceId: ctx.sourceId,
    // order.created and each order.updated of one order share it: the first paid one counts.
    dedupKey: order.id,
    // A fresh hash per delivery attempt (wp_hash(id . time)): it names a delivery, no more.
    deliveryId: text(headers.get("x-wc-webhook-delivery-id")),
    // The id in the order-received URL, which is what a thank-you-page pixel can report.
    orderId: order.id,
    eventName: "Purchase",
    occurredAt,
    value: order.total,
    currency: order.currency,
    items: items(order),
    customer: customer(order),
    clickIds: mergeClickIds(clickIdsFromFields(meta), clickIdsFromUrl(landing)),
    client: compact({
      ip: firstText(order.customer_ip_address),
      userAgent: firstText(order.customer_user_agent, meta(ATTRIBUTION_USER_AGENT)),
      pageUrl: landing,
    }),
    consent: consentFromField(meta(WOO_CONSENT_META)),
    joinKey: text(meta(options.joinKeyMetaKey)),
  };
}
