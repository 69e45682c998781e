import type { RelayEvent } from "../../events/conversion";
import type { TikTokSettings } from "./settings";

/** The web events endpoint of the Events API 2.0 (https://business-api.tiktok.com/portal/docs?id=1771101303285761). */
export function tiktokTrackUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/open_api/v1.3/event/track/`;
}

/** One event of the `data` array. */
export function buildTikTokEvent(event: RelayEvent, settings: TikTokSettings): Record<string, unknown> {
  const user: Record<string, unknown> = { ...(event.identity.tiktok ?? {}) };
  // Click id and `_ttp` cookie value travel as received, never hashed.
  if (event.clickIds.ttclid) user.ttclid = event.clickIds.ttclid;
  if (event.clickIds.ttp) user.ttp = event.clickIds.ttp;
  if (event.client.ip) user.ip = event.client.ip;
  if (event.client.userAgent) user.user_agent = event.client.userAgent;

  const properties: Record<string, unknown> = {
    currency: event.currency,
    value: event.value,
    order_id: event.orderId,
  };
  if (event.items.length > 0) {
    properties.content_type = "product";
    properties.contents = event.items.map((item) => ({
      content_id: item.id,
      content_type: "product",
      quantity: item.quantity,
      ...(item.price !== undefined ? { price: item.price } : {}),
    }));
  }

  const out: Record<string, unknown> = {
    event: event.eventName === "Purchase" ? settings.purchaseEvent : event.eventName,
    event_time: Math.floor(event.occurredAt / 1000),
    // The order id on every attempt, so TikTok deduplicates against the pixel and our retries.
    event_id: event.orderId,
    user,
    properties,
  };
  const page = event.client.pageUrl ?? event.client.referrer;
  if (page) out.page = { url: page };
  return out;
}

export function buildTikTokRequestBody(events: RelayEvent[], settings: TikTokSettings): Record<string, unknown> {
  return {
    event_source: "web",
    event_source_id: settings.pixelCode,
    ...(settings.testEventCode ? { test_event_code: settings.testEventCode } : {}),
    data: events.map((e) => buildTikTokEvent(e, settings)),
  };
}
