import type { RelayEvent } from "../../events/conversion";
import type { PinterestSettings } from "./settings";

/**
 * Pinterest's naming convention for the partner sending on an advertiser's behalf: "ss-" and the
 * partner's name in lower case (`partner_name`, https://developers.pinterest.com/docs/api/v5/events-create).
 */
export const PINTEREST_PARTNER_NAME = "ss-sluice";

export function pinterestEventsUrl(base: string, settings: PinterestSettings): string {
  const url = `${base.replace(/\/+$/, "")}/v5/ad_accounts/${encodeURIComponent(settings.adAccountId)}/events`;
  return settings.validateOnly ? `${url}?test=true` : url;
}

/**
 * Why an event cannot be sent: Pinterest requires an e-mail, a mobile ad id, or the pair of IP
 * address and user agent in `user_data` (ConversionEventsUserData), and would refuse the event.
 */
export function pinterestPrecheck(event: RelayEvent): string | undefined {
  const hasEmail = (event.identity.pinterest?.em?.length ?? 0) > 0;
  return hasEmail || (event.client.ip && event.client.userAgent) ? undefined : "pinterest_user_data_missing";
}

/** One event of the `data` array; `checkout` is Pinterest's purchase event. */
export function buildPinterestEvent(event: RelayEvent): Record<string, unknown> {
  const userData: Record<string, unknown> = { ...(event.identity.pinterest ?? {}) };
  if (event.client.ip) userData.client_ip_address = event.client.ip;
  if (event.client.userAgent) userData.client_user_agent = event.client.userAgent;
  // The `epik` value (URL parameter or `_epik` cookie), as received.
  if (event.clickIds.epik) userData.click_id = event.clickIds.epik;

  const customData: Record<string, unknown> = {
    currency: event.currency,
    // The API takes value and prices as strings ("parsed into a double").
    value: String(event.value),
    order_id: event.orderId,
  };
  if (event.items.length > 0) {
    customData.content_ids = event.items.map((item) => item.id);
    customData.contents = event.items.map((item) => ({
      id: item.id,
      quantity: item.quantity,
      ...(item.price !== undefined ? { item_price: String(item.price) } : {}),
    }));
    customData.num_items = event.items.reduce((n, item) => n + item.quantity, 0);
  }

  const out: Record<string, unknown> = {
    event_name: event.eventName === "Purchase" ? "checkout" : "custom",
    action_source: "web",
    event_time: Math.floor(event.occurredAt / 1000),
    // The order id on every attempt: Pinterest deduplicates against its tag and our retries.
    event_id: event.orderId,
    partner_name: PINTEREST_PARTNER_NAME,
    user_data: userData,
    custom_data: customData,
  };
  const url = event.client.pageUrl ?? event.client.referrer;
  if (url) out.event_source_url = url;
  return out;
}

export function buildPinterestRequestBody(events: RelayEvent[]): { data: Record<string, unknown>[] } {
  return { data: events.map(buildPinterestEvent) };
}
