import { validIpAddress } from "../client-ip";
import { pickClickId, rfc3339Seconds, sendableIdentity } from "../google/conversion";
import type { DeliveryItem } from "../types";

/** Data Manager settings as stored on the destination (validated by the admin API). */
export interface DataManagerSettings {
  operatingAccountId: string;
  loginAccountId?: string;
  conversionActionId: string;
  validateOnly: boolean;
  /**
   * Whether the tenant's users are outside the EEA, UK and Switzerland (its consent policy's
   * `userRegion` is "us" or "other"): only then is the IP address sent (see eventDeviceInfo).
   */
  ipOutsideEea: boolean;
}

const digits = (v: unknown) =>
  String(v ?? "")
    .replace(/-/g, "")
    .trim();

export function readDataManagerSettings(settings: Record<string, unknown>): DataManagerSettings {
  const login = digits(settings.loginAccountId);
  return {
    operatingAccountId: digits(settings.operatingAccountId),
    ...(login ? { loginAccountId: login } : {}),
    conversionActionId: String(settings.conversionActionId ?? ""),
    validateOnly: settings.validateOnly === true,
    ipOutsideEea: settings.userRegion === "us" || settings.userRegion === "other",
  };
}

/**
 * `eventDeviceInfo` (https://developers.google.com/data-manager/api/reference/rest/v1/DeviceInfo):
 * the device of the checkout, only where consent allows sending user data (never in denied-flag
 * mode). The user agent always then; the IP address only for users outside the EEA, UK and
 * Switzerland, for whom Google Ads "does not support IP address matching" and asks callers to
 * exclude it, which Sluice knows only from the tenant's declared `userRegion` (an unknown region
 * is treated like the EEA). The IP must be one IPv4 or IPv6 address.
 */
function eventDeviceInfo(item: DeliveryItem, settings: DataManagerSettings): Record<string, string> | undefined {
  if (item.decision !== "send") return undefined;
  const { userAgent, ip } = item.event.client;
  const address = settings.ipOutsideEea ? validIpAddress(ip) : undefined;
  const info: Record<string, string> = {
    ...(userAgent ? { userAgent } : {}),
    ...(address ? { ipAddress: address } : {}),
  };
  return Object.keys(info).length > 0 ? info : undefined;
}

/** DM `UserData` allows up to 10 identifiers; we have at most one email and one phone. */
function userData(item: DeliveryItem): Record<string, unknown> | undefined {
  const identity = sendableIdentity(item);
  const ids: Array<Record<string, string>> = [];
  if (identity.hashedEmail) ids.push({ emailAddress: identity.hashedEmail });
  if (identity.hashedPhoneNumber) ids.push({ phoneNumber: identity.hashedPhoneNumber });
  return ids.length > 0 ? { userIdentifiers: ids } : undefined;
}

/**
 * One DM `Event` (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest;
 * proto google/ads/datamanager/v1/event.proto): every documented field Sluice has a value for.
 * Not sent: `adIdentifiers.landingPageDeviceInfo` (the device of the ad click's landing page,
 * which Sluice does not see; the checkout's device goes in `eventDeviceInfo`), `address`
 * identifiers (they need the raw names and postal code, never stored).
 */
export function buildDataManagerEvent(item: DeliveryItem, settings: DataManagerSettings): Record<string, unknown> {
  const { event } = item;
  const dmEvent: Record<string, unknown> = {
    // Dedups against the Google tag's transaction id, as `orderId` does on the Ads API.
    transactionId: event.orderId,
    eventTimestamp: rfc3339Seconds(event.occurredAt),
    conversionValue: event.value,
    currency: event.currency,
    // A checkout webhook reports a purchase made on the tenant's website.
    eventSource: "WEB",
  };
  const clickId = pickClickId(event.clickIds);
  if (clickId) dmEvent.adIdentifiers = { ...clickId };
  const user = userData(item);
  if (user) dmEvent.userData = user;
  // The Data Manager's own enum names (CONSENT_*), unlike the Ads API's GRANTED/DENIED.
  dmEvent.consent = { adUserData: item.decision === "send" ? "CONSENT_GRANTED" : "CONSENT_DENIED" };
  const device = eventDeviceInfo(item, settings);
  if (device) dmEvent.eventDeviceInfo = device;
  if (event.items.length > 0) {
    dmEvent.cartData = {
      items: event.items.map((line) => ({
        merchantProductId: line.id,
        quantity: line.quantity,
        ...(line.price !== undefined ? { unitPrice: line.price } : {}),
      })),
    };
  }
  return dmEvent;
}

export function buildIngestEventsRequest(items: DeliveryItem[], settings: DataManagerSettings): Record<string, unknown> {
  const destination: Record<string, unknown> = {
    operatingAccount: { accountType: "GOOGLE_ADS", accountId: settings.operatingAccountId },
    ...(settings.loginAccountId ? { loginAccount: { accountType: "GOOGLE_ADS", accountId: settings.loginAccountId } } : {}),
    productDestinationId: settings.conversionActionId,
  };
  return {
    destinations: [destination],
    // Our hashes are lowercase hex (identity/hash.ts); the API needs to be told.
    encoding: "HEX",
    events: items.map((item) => buildDataManagerEvent(item, settings)),
    validateOnly: settings.validateOnly,
  };
}

export function ingestEventsUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/v1/events:ingest`;
}
