import type { ConversionEvent, CustomerData } from "../../events/conversion";
import { clickIdsFromFields, clickIdsFromUrl, mergeClickIds } from "../shared/click-ids";
import { consentFromField } from "../shared/consent";
import { compact, firstText, httpUrl, record, splitName } from "../shared/fields";
import { fromMinorUnits } from "../shared/money";
import type { SourceContext } from "../types";
import type { CheckoutSession, StripeEvent } from "./event";
import { paymentIntentAlias } from "./refund";

/**
 * Metadata keys a tenant sets when creating the Checkout Session (Stripe carries no browser data
 * of its own): click ids under their names (`gclid`, `fbc`, `fbp`, …), `client_ip`, `user_agent`,
 * `page_url`, `external_id`, `order_id`, `sluice_join_key`, and `sluice_consent` (JSON, README "Consent").
 * Stripe caps a metadata value at 500 characters.
 */
export const STRIPE_METADATA = {
  consent: "sluice_consent",
  joinKey: "sluice_join_key",
  orderId: "order_id",
  externalId: "external_id",
  ip: "client_ip",
  userAgent: "user_agent",
  pageUrl: "page_url",
} as const;

function customer(session: CheckoutSession, metadata: Record<string, unknown>): CustomerData {
  const details = record(session.customer_details);
  const address = record(details.address);
  const name = splitName(details.name);
  const stripeCustomer = typeof session.customer === "string" ? session.customer : record(session.customer).id;
  return compact({
    email: firstText(details.email, session.customer_email),
    phone: firstText(details.phone),
    firstName: name.firstName,
    lastName: name.lastName,
    city: firstText(address.city),
    state: firstText(address.state),
    zip: firstText(address.postal_code),
    country: firstText(address.country),
    externalId: firstText(metadata[STRIPE_METADATA.externalId], stripeCustomer),
  });
}

/** A paid Checkout Session as a ConversionEvent; the session id is the dedup key. */
export function stripeConversion(event: StripeEvent, session: CheckoutSession, ctx: SourceContext): ConversionEvent {
  const metadata = record(session.metadata);
  const pageUrl = httpUrl(metadata[STRIPE_METADATA.pageUrl]);
  return {
    tenantId: ctx.tenantId,
    sourceId: ctx.sourceId,
    // `checkout.session.completed` and `…async_payment_succeeded` of one session share it.
    dedupKey: session.id,
    deliveryId: event.id,
    // The merchant's own order id when the session carries one, so a browser pixel that reported
    // that id deduplicates against this event; otherwise the session id.
    orderId: firstText(metadata[STRIPE_METADATA.orderId], session.id) ?? session.id,
    eventName: "Purchase",
    // When the checkout completed (or the delayed payment succeeded), not when the session opened.
    occurredAt: event.created * 1000,
    value: fromMinorUnits(session.amount_total, session.currency),
    currency: session.currency,
    // Line items are not part of the webhook (they need an expanded API read).
    items: [],
    customer: customer(session, metadata),
    clickIds: mergeClickIds(
      clickIdsFromFields((name) => metadata[name]),
      clickIdsFromUrl(pageUrl),
    ),
    client: compact({
      ip: firstText(metadata[STRIPE_METADATA.ip]),
      userAgent: firstText(metadata[STRIPE_METADATA.userAgent]),
      pageUrl,
    }),
    // `consent.promotions` is an e-mail opt-in, not ad consent, and is deliberately unread.
    consent: consentFromField(metadata[STRIPE_METADATA.consent]),
    joinKey: firstText(metadata[STRIPE_METADATA.joinKey], session.client_reference_id),
    // A `charge.refunded` names the payment intent, not the session.
    ...(paymentIntentAlias(session.payment_intent) ? { orderAliases: [paymentIntentAlias(session.payment_intent)!] } : {}),
  };
}
