/**
 * A destination's test mode, read from its settings: a test event code (Meta's `test_event_code`,
 * https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api#testEvents;
 * TikTok's, https://business-api.tiktok.com/portal/docs?id=1771101303285761) sends events as test
 * events, and `validateOnly` (Google's, https://developers.google.com/google-ads/api/docs/best-practices/validation;
 * Pinterest's `?test=true`, https://developers.pinterest.com/docs/api/v5/events-create) has the
 * API check them without recording them. Either way nothing counts for attribution: deliveries end
 * `validated`, and the console's "Send a test event" may reach the platform.
 */
export type TestMode = "test_event_code" | "validate_only";

export function testModeOf(settings: Record<string, unknown>): TestMode | null {
  if (typeof settings.testEventCode === "string" && settings.testEventCode !== "") return "test_event_code";
  if (settings.validateOnly === true) return "validate_only";
  return null;
}
