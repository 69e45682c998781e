/**
 * HMAC keys a platform generates are long (Shopify: 32+ hex characters, Stripe: `whsec_` and 32+
 * characters, WooCommerce: 50 by default); a short one can be found by trying. 16 characters is a
 * floor that every genuine secret passes.
 */
export const MIN_PLATFORM_SECRET = 16;

/** A definition's `secretProblem` for a signing secret the platform generates. */
export function platformSigningSecret(type: string, min = MIN_PLATFORM_SECRET): (secret: string) => string | null {
  return (secret) =>
    secret.length < min ? `a ${type} source's secret must be the platform's signing secret (at least ${min} characters)` : null;
}
