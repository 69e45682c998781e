import type { ClientContext } from "../../events/conversion";

/**
 * Where a Meta event's `event_source_url` comes from, in order: the page the beacon reported,
 * the beacon request's `Referer`, its verified `Origin` (the collect route accepts only the
 * tenant's allowed origins), then the tenant's `siteUrl`. Meta requires the field for
 * `action_source: "website"` events
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event#event-source-url),
 * and only an http(s) URL is a browser location.
 */
export type EventSourceUrlFrom = "page" | "referrer" | "origin" | "siteUrl";

export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function eventSourceUrl(client: ClientContext, siteUrl?: string): { url: string; from: EventSourceUrlFrom } | undefined {
  const candidates: Array<[EventSourceUrlFrom, unknown]> = [
    ["page", client.pageUrl],
    ["referrer", client.referrer],
    ["origin", client.origin],
    ["siteUrl", siteUrl],
  ];
  for (const [from, value] of candidates) {
    const url = httpUrl(value);
    if (url) return { url, from };
  }
  return undefined;
}
