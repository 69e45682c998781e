import { DEFAULT_META_API_VERSION } from "./settings";
import type { RelayEvent } from "../../events/conversion";
import { validIpAddress } from "../client-ip";
import { eventSourceUrl } from "./source-url";

/** Meta settings as stored on the destination (validated by the admin API). */
export interface MetaSettings {
  pixelId: string;
  apiVersion: string;
  actionSource: string;
  testEventCode?: string;
  /** The tenant's `siteUrl`: the last fallback for `event_source_url`. */
  siteUrl?: string;
}

export const META_MAX_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Clock skew tolerated on `event_time`: Meta rejects a timestamp in the future ("event_time …
 * cannot be in the future", https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event#event-time),
 * which would poison the whole batch. A few minutes of source clock drift is let through, sent as
 * the time of sending (the purchase cannot have happened later than that); beyond it the event
 * fails with its own reason.
 */
export const META_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

export function readMetaSettings(settings: Record<string, unknown>): MetaSettings {
  return {
    pixelId: String(settings.pixelId ?? ""),
    apiVersion: typeof settings.apiVersion === "string" && settings.apiVersion ? settings.apiVersion : DEFAULT_META_API_VERSION,
    actionSource: String(settings.actionSource ?? "website"),
    testEventCode: typeof settings.testEventCode === "string" && settings.testEventCode ? settings.testEventCode : undefined,
    ...(typeof settings.siteUrl === "string" ? { siteUrl: settings.siteUrl } : {}),
  };
}

/**
 * Why an event cannot be sent to Meta at all, checked before it can poison a batch: Meta rejects
 * the whole request for one event older than 7 days, or a website event without browser context.
 */
export function metaPrecheck(event: RelayEvent, settings: MetaSettings, now: number): string | undefined {
  if (now - event.occurredAt > META_MAX_EVENT_AGE_MS) return "event_too_old";
  if (event.occurredAt - now > META_MAX_FUTURE_SKEW_MS) return "event_time_in_future";
  if (settings.actionSource === "website" && (!event.client.userAgent || !eventSourceUrl(event.client, settings.siteUrl))) {
    return "website_context_missing";
  }
  return undefined;
}

/**
 * `client_ip_address` must be one IPv4 or IPv6 address
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters#client-ip-address);
 * anything else ("unknown, 1.2.3.4", a host name) is left out so it cannot get the batch rejected.
 */
export const ipAddress = validIpAddress;

/** `fb.<subdomainIndex>.<creationTime ms>.<value>`, the form of `_fbc` and `_fbp` (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/). */
const FB_COOKIE = /^fb\.\d+\.\d{13}\.\S+$/;

function isFbCookie(value: string | undefined): value is string {
  return value !== undefined && FB_COOKIE.test(value);
}

/** One Conversions API server event (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event). */
export function buildMetaServerEvent(event: RelayEvent, settings: MetaSettings, now: number): Record<string, unknown> {
  const hashed = event.identity.meta ?? {};
  const userData: Record<string, unknown> = { ...hashed };
  // Sent exactly as received: Meta matches them byte for byte (fbclid is case-sensitive).
  const ip = ipAddress(event.client.ip);
  if (ip) userData.client_ip_address = ip;
  if (event.client.userAgent) userData.client_user_agent = event.client.userAgent;
  // A malformed cookie value is dropped, never altered: Meta would reject the whole batch for it.
  if (isFbCookie(event.clickIds.fbc)) userData.fbc = event.clickIds.fbc;
  // fb.1.<creation time>.<fbclid>: the time the click was first seen (a beacon's), else the conversion's.
  else if (event.clickIds.fbclid) userData.fbc = `fb.1.${event.clickSeenAt?.fbclid ?? event.occurredAt}.${event.clickIds.fbclid}`;
  if (isFbCookie(event.clickIds.fbp)) userData.fbp = event.clickIds.fbp;

  const customData: Record<string, unknown> = {
    currency: event.currency,
    value: event.value,
    order_id: event.orderId,
  };
  if (event.items.length > 0) {
    customData.contents = event.items.map((item) => ({
      id: item.id,
      quantity: item.quantity,
      ...(item.price !== undefined ? { item_price: item.price } : {}),
    }));
    customData.content_ids = event.items.map((item) => item.id);
    customData.content_type = "product";
    customData.num_items = event.items.reduce((n, item) => n + item.quantity, 0);
  }

  const serverEvent: Record<string, unknown> = {
    event_name: event.eventName,
    event_time: Math.floor(Math.min(event.occurredAt, now) / 1000),
    // The order id on every attempt, so Meta's own 48 h dedup agrees with ours.
    event_id: event.orderId,
    action_source: settings.actionSource,
    user_data: userData,
    custom_data: customData,
  };
  const source = eventSourceUrl(event.client, settings.siteUrl);
  if (source) serverEvent.event_source_url = source.url;
  return serverEvent;
}

export function buildMetaRequestBody(events: RelayEvent[], settings: MetaSettings, now: number): Record<string, unknown> {
  const body: Record<string, unknown> = { data: events.map((e) => buildMetaServerEvent(e, settings, now)) };
  if (settings.testEventCode) body.test_event_code = settings.testEventCode;
  return body;
}

export function metaEventsUrl(base: string, settings: MetaSettings): string {
  return `${base.replace(/\/+$/, "")}/${encodeURIComponent(settings.apiVersion)}/${encodeURIComponent(settings.pixelId)}/events`;
}
