import type { ConversionEvent, CustomerData, LineItem } from "../../events/conversion";
import { ApiError } from "../../http/errors";
import { clickIdsFromFields, clickIdsFromUrl, mergeClickIds } from "../shared/click-ids";
import { consentFromField } from "../shared/consent";
import { compact, firstText, httpUrl, isoTime, record, text } from "../shared/fields";
import { currencyCode, decimalAmount, fieldLookup } from "../shared/schema";
import type { SourceContext } from "../types";
import type { ShopifyOptions } from "./options";
import { exactId, type ShopifyOrder } from "./order";

/** Note attribute a checkout script may set with Sluice's consent object (README, "Consent") as JSON. */
export const SHOPIFY_CONSENT_ATTRIBUTE = "_sluice_consent";

function customer(order: ShopifyOrder): CustomerData {
  const c = record(order.customer);
  const customerId = text(c.id);
  // The billing address names the payer; a guest checkout has no customer record at all.
  const address = Object.keys(record(order.billing_address)).length > 0 ? record(order.billing_address) : record(order.shipping_address);
  return compact({
    email: firstText(order.email, order.contact_email, c.email),
    phone: firstText(order.phone, address.phone, c.phone),
    firstName: firstText(address.first_name, c.first_name),
    lastName: firstText(address.last_name, c.last_name),
    city: firstText(address.city),
    state: firstText(address.province_code, address.province),
    zip: firstText(address.zip),
    country: firstText(address.country_code, address.country),
    externalId: customerId === undefined ? undefined : exactId(c.admin_graphql_api_id, customerId),
  });
}

function items(order: ShopifyOrder): LineItem[] {
  const list = Array.isArray(order.line_items) ? order.line_items.slice(0, 500) : [];
  const out: LineItem[] = [];
  for (const raw of list) {
    const item = record(raw);
    const id = firstText(item.sku, item.variant_id, item.product_id, item.id);
    const quantity = item.quantity;
    if (!id || typeof quantity !== "number" || !Number.isInteger(quantity) || quantity <= 0) continue;
    const price = decimalAmount.safeParse(item.price);
    out.push(price.success ? { id, quantity, price: price.data } : { id, quantity });
  }
  return out;
}

/** Value and currency: the shop's (`total_price`), or what the buyer was shown and paid. */
function amount(order: ShopifyOrder, options: ShopifyOptions): { value: number; currency: string } {
  if (options.valueCurrency === "presentment") {
    const money = record(record(order.total_price_set).presentment_money);
    const value = decimalAmount.safeParse(money.amount);
    const currency = currencyCode.safeParse(money.currency_code ?? order.presentment_currency);
    if (!value.success || !currency.success) {
      throw new ApiError(400, "invalid_request", "total_price_set.presentment_money: amount and currency_code are required");
    }
    return { value: value.data, currency: currency.data };
  }
  return { value: order.total_price, currency: order.currency };
}

/** `landing_site` is usually a path; it is made absolute against the storefront (or shop) origin. */
function pageUrl(order: ShopifyOrder, options: ShopifyOptions, headers: Headers): string | undefined {
  const landing = text(order.landing_site);
  const absolute = httpUrl(landing);
  if (absolute) return absolute;
  const shopDomain = text(headers.get("x-shopify-shop-domain"));
  const origin =
    options.storefrontUrl ?? (shopDomain && /^[a-z0-9-]+\.myshopify\.com$/i.test(shopDomain) ? `https://${shopDomain}` : undefined);
  if (!origin) return undefined;
  try {
    return new URL(landing ?? "/", origin).toString();
  } catch {
    return undefined;
  }
}

/** A verified order webhook as a ConversionEvent. */
export function shopifyConversion(order: ShopifyOrder, options: ShopifyOptions, ctx: SourceContext, headers: Headers): ConversionEvent {
  const occurredAt = isoTime(order.processed_at) ?? isoTime(order.created_at);
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "created_at: must be an ISO-8601 time");
  const orderId = exactId(order.admin_graphql_api_id, order.id);
  const attribute = fieldLookup(order.note_attributes, "name");
  const client = record(order.client_details);
  return {
    tenantId: ctx.tenantId,
    sourceId: ctx.sourceId,
    dedupKey: orderId,
    deliveryId: text(headers.get("x-shopify-webhook-id")),
    orderId,
    eventName: "Purchase",
    occurredAt,
    ...amount(order, options),
    items: items(order),
    customer: customer(order),
    // Cart attributes are set deliberately by a script and win over what the landing URL carried.
    clickIds: mergeClickIds(clickIdsFromFields(attribute), clickIdsFromUrl(text(order.landing_site))),
    client: compact({
      ip: firstText(order.browser_ip, client.browser_ip),
      userAgent: firstText(client.user_agent),
      pageUrl: pageUrl(order, options, headers),
    }),
    // `buyer_accepts_marketing` is an e-mail opt-in, not ad consent, and is deliberately unread.
    consent: consentFromField(attribute(SHOPIFY_CONSENT_ATTRIBUTE)),
    // What a Shopify web pixel sees as `checkout.token`, so its beacon can be matched.
    joinKey: firstText(order.checkout_token, order.cart_token),
  };
}
