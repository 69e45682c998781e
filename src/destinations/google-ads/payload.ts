import { DEFAULT_GOOGLE_ADS_API_VERSION } from "./settings";
import { formatConversionDateTime, pickClickId, sendableIdentity } from "../google/conversion";
import type { DeliveryItem } from "../types";
import { uploadRequest } from "./upload";

/** Google Ads settings as stored on the destination (validated by the admin API). */
export interface GoogleAdsSettings {
  customerId: string;
  conversionActionId: string;
  loginCustomerId?: string;
  apiVersion: string;
  validateOnly: boolean;
  /** IANA zone for `conversionDateTime`; UTC when absent (the admin API does not set it yet). */
  timezone?: string;
}

// The admin API strips hyphens already; done again because a hyphenated id in the URL or header
// is rejected by Google, and settings may predate that validation.
const digits = (v: unknown) =>
  String(v ?? "")
    .replace(/-/g, "")
    .trim();

export function readGoogleAdsSettings(settings: Record<string, unknown>): GoogleAdsSettings {
  const login = digits(settings.loginCustomerId);
  return {
    customerId: digits(settings.customerId),
    conversionActionId: String(settings.conversionActionId ?? ""),
    ...(login ? { loginCustomerId: login } : {}),
    apiVersion: typeof settings.apiVersion === "string" && settings.apiVersion ? settings.apiVersion : DEFAULT_GOOGLE_ADS_API_VERSION,
    validateOnly: settings.validateOnly === true,
    ...(typeof settings.timezone === "string" && settings.timezone ? { timezone: settings.timezone } : {}),
  };
}

export function conversionActionResourceName(settings: GoogleAdsSettings): string {
  return `customers/${settings.customerId}/conversionActions/${settings.conversionActionId}`;
}

/** At most 5 identifiers per conversion; click conversions take only hashed email and phone. */
export const MAX_USER_IDENTIFIERS = 5;

function userIdentifiers(item: DeliveryItem): Array<Record<string, string>> {
  const identity = sendableIdentity(item);
  const ids: Array<Record<string, string>> = [];
  if (identity.hashedEmail) ids.push({ hashedEmail: identity.hashedEmail });
  if (identity.hashedPhoneNumber) ids.push({ hashedPhoneNumber: identity.hashedPhoneNumber });
  return ids.slice(0, MAX_USER_IDENTIFIERS);
}

/**
 * One ClickConversion (https://developers.google.com/google-ads/api/reference/rpc/latest/ClickConversion). Deliberately absent: `adPersonalization` (only for
 * Customer Match services), `userIpAddress` and session attributes (allowlist-only since
 * 2026-02-02), `debugEnabled` (gone in v25), `cartData` (needs a Merchant Center id).
 */
export function buildClickConversion(item: DeliveryItem, settings: GoogleAdsSettings): Record<string, unknown> {
  const { event } = item;
  const conversion: Record<string, unknown> = {
    conversionAction: conversionActionResourceName(settings),
    conversionDateTime: formatConversionDateTime(event.occurredAt, settings.timezone),
    conversionValue: event.value,
    currencyCode: event.currency,
    // The same stable id on every attempt: Google then keeps one conversion per order.
    orderId: event.orderId,
    ...pickClickId(event.clickIds),
  };
  const ids = userIdentifiers(item);
  if (ids.length > 0) conversion.userIdentifiers = ids;
  // Denied-flag mode: the click id alone, with the user's refusal stated.
  conversion.consent = { adUserData: item.decision === "send" ? "GRANTED" : "DENIED" };
  return conversion;
}

export function buildUploadClickConversionsRequest(items: DeliveryItem[], settings: GoogleAdsSettings): Record<string, unknown> {
  return uploadRequest(
    "conversions",
    items.map((item) => buildClickConversion(item, settings)),
    settings,
  );
}
