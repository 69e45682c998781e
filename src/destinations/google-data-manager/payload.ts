import { pickClickId, rfc3339Seconds, sendableIdentity } from "../google/conversion";
import type { DeliveryItem } from "../types";

/** Data Manager settings as stored on the destination (validated by the admin API). */
export interface DataManagerSettings {
  operatingAccountId: string;
  loginAccountId?: string;
  conversionActionId: string;
  validateOnly: boolean;
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
  };
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
 * proto google/ads/datamanager/v1/event.proto). Not sent:
 * `landingPageDeviceInfo` (IP and user agent: the relay cannot tell an EEA user, for whom Google
 * does not match on IP, and denied-flag mode must strip both), `address` identifiers (they need
 * the raw postal code, never stored).
 */
export function buildDataManagerEvent(item: DeliveryItem): Record<string, unknown> {
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
    events: items.map(buildDataManagerEvent),
    validateOnly: settings.validateOnly,
  };
}

export function ingestEventsUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/v1/events:ingest`;
}
