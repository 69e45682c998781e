import { readConsentInput } from "../../consent/schema";
import type { ConsentInput } from "../../events/conversion";

/**
 * Checkout platforms carry no ad consent of their own (Shopify's `buyer_accepts_marketing` and
 * Stripe's `consent.promotions` are e-mail opt-ins). A tenant's checkout script may write the SPEC
 * §4.3 consent object, as JSON, into a free-form field the platform signs along with the order:
 * Shopify note attribute `_sluice_consent`, Stripe metadata `sluice_consent`, WooCommerce meta
 * `_sluice_consent`. Read leniently: unreadable is absent, and absent means "do not forward".
 */
export function consentFromField(value: unknown): ConsentInput | undefined {
  if (typeof value === "string") {
    if (value.length > 16_384) return undefined;
    try {
      return readConsentInput(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return readConsentInput(value);
}
