import type { ClickIds, GoogleHashedUserData } from "../../events/conversion";
import type { DeliveryItem } from "../types";

/** Pure helpers shared by the Google Ads and Data Manager payload builders. */

export type GoogleClickId = { gclid: string } | { wbraid: string } | { gbraid: string };

/**
 * The one click id to send. Google rejects gbraid together with wbraid (GBRAID_WBRAID_BOTH_SET),
 * so exactly one goes: the gclid when there is one (it identifies the click itself), else the
 * web iOS `wbraid` (our conversions are web checkouts), else the app `gbraid`.
 */
export function pickClickId(clickIds: ClickIds): GoogleClickId | undefined {
  if (clickIds.gclid) return { gclid: clickIds.gclid };
  if (clickIds.wbraid) return { wbraid: clickIds.wbraid };
  if (clickIds.gbraid) return { gbraid: clickIds.gbraid };
  return undefined;
}

/** Hashed identifiers an item may carry: none in denied-flag mode (consent engine). */
export function sendableIdentity(item: DeliveryItem): GoogleHashedUserData {
  return item.decision === "send" ? (item.event.identity.google ?? {}) : {};
}

export const NO_CLICK_ID_OR_IDENTIFIERS = "no_click_id_or_identifiers";

/**
 * Why an item cannot go to Google at all, checked before the request so it cannot fail a batch:
 * with neither a click id nor a user identifier there is nothing to attribute the conversion to.
 */
export function googlePrecheck(item: DeliveryItem): string | undefined {
  const identity = sendableIdentity(item);
  if (pickClickId(item.event.clickIds)) return undefined;
  if (identity.hashedEmail || identity.hashedPhoneNumber) return undefined;
  return NO_CLICK_ID_OR_IDENTIFIERS;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * `yyyy-mm-dd hh:mm:ss+hh:mm` (Ads API `conversionDateTime`; no `T`, no `Z`, colon in the
 * offset). In `timeZone` (IANA) when given and known, else UTC: any correct offset names the same
 * instant, the zone only changes how the time reads in the Google Ads UI.
 */
export function formatConversionDateTime(epochMs: number, timeZone?: string): string {
  const zoned = timeZone ? zonedParts(epochMs, timeZone) : undefined;
  if (zoned) return zoned;
  const d = new Date(epochMs);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+00:00`
  );
}

function zonedParts(epochMs: number, timeZone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    }).formatToParts(new Date(epochMs));
  } catch {
    return undefined; // an unknown zone name: UTC is still correct
  }
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value;
  // "GMT+05:30", "GMT-08:00", or plain "GMT" for a zero offset.
  const offset = /^GMT(?:([+-]\d{2}):?(\d{2}))?$/.exec(get("timeZoneName") ?? "");
  const [year, month, day, hour, minute, second] = ["year", "month", "day", "hour", "minute", "second"].map((t) =>
    get(t as Intl.DateTimeFormatPartTypes),
  );
  if (!offset || !year || !month || !day || !hour || !minute || !second) return undefined;
  const zone = offset[1] ? `${offset[1]}:${offset[2]}` : "+00:00";
  return `${year}-${month}-${day} ${hour}:${minute}:${second}${zone}`;
}

/** RFC 3339 in UTC to the second (`2026-03-01T12:34:56Z`), the protobuf Timestamp JSON form. */
export function rfc3339Seconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
