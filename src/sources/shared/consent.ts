import { readConsentInput } from "../../consent/schema";
import type { ConsentInput } from "../../events/conversion";

/**
 * Checkout platforms carry no ad consent of their own (Shopify's `buyer_accepts_marketing` and
 * Stripe's `consent.promotions` are e-mail opt-ins). A tenant's checkout script may write Sluice's
 * consent object (README, "Consent"), as JSON, into a free-form field the platform signs along with the order:
 * Shopify note attribute `_sluice_consent`, Stripe metadata `sluice_consent`, WooCommerce meta
 * `_sluice_consent`. Read without failing the webhook: an empty field is absent, and a field that
 * is there but unreadable is recorded as malformed, which blocks rather than waits for a beacon.
 */
export function consentFromField(value: unknown): ConsentInput | undefined {
  if (typeof value === "string") {
    if (value.trim() === "") return undefined;
    if (value.length > 16_384) return { malformed: ["consent"] };
    try {
      return readConsentInput(JSON.parse(value));
    } catch {
      return { malformed: ["consent"] };
    }
  }
  return readConsentInput(value);
}
