import { type SourceKey, verifyBase64BodyHmac } from "../shared/crypto";

/**
 * `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(raw body)) keyed by the app's client secret (or the
 * store's webhook signing secret for admin-created webhooks). It covers the body only: topic,
 * shop domain and webhook id headers are not signed.
 */
export function verifyShopifySignature(
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
  secret: string,
  held?: SourceKey,
): Promise<boolean> {
  return verifyBase64BodyHmac(secret, body, headers.get("x-shopify-hmac-sha256"), held);
}
