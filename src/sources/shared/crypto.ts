import { constantTimeEqual, fromBase64, utf8 } from "../../config/encoding";

/**
 * HMAC-SHA256 building blocks shared by the platform signature checks. Comparison is left to
 * `crypto.subtle.verify`, which compares in constant time, so no adapter compares MACs by hand.
 */

/** A verify-only HMAC-SHA256 key; a string secret is used as its raw UTF-8 bytes. */
export function hmacSha256Key(secret: string | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? utf8(secret) : secret;
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

/** Whether `mac` is the HMAC-SHA256 of `message` under `key` (constant time). */
export function verifyHmacSha256(key: CryptoKey, message: string, mac: Uint8Array<ArrayBuffer>): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, mac, utf8(message));
}

/** Lower- or upper-case hex to bytes; null for anything that is not whole hex bytes. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * `base64(HMAC-SHA256(secret, body))` as sent in one header (Shopify `X-Shopify-Hmac-Sha256`,
 * WooCommerce `X-WC-Webhook-Signature`): the secret is the raw UTF-8 key, the body the exact bytes.
 */
export async function verifyBase64BodyHmac(secret: string, rawBody: string, signature: string | null): Promise<boolean> {
  if (!signature || !secret) return false;
  const mac = fromBase64(signature.trim());
  // A SHA-256 MAC is 32 bytes; anything else cannot match and is not worth a key import.
  if (!mac || mac.length !== 32) return false;
  return verifyHmacSha256(await hmacSha256Key(secret), rawBody, mac);
}

/** Shared-key comparison for schemes without a signature (ROLLER): constant time, length hidden. */
export const sharedKeyEquals = constantTimeEqual;
