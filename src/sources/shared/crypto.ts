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

/** Whether `mac` is the HMAC-SHA256 of `message` (the bytes as received) under `key`, in constant time. */
export function verifyHmacSha256(key: CryptoKey, message: Uint8Array<ArrayBuffer>, mac: Uint8Array<ArrayBuffer>): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, mac, message);
}

/** A signed message made of a text prefix (`<id>.<timestamp>.`) and the body's raw bytes. */
export function prefixedBytes(prefix: string, body: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const head = utf8(prefix);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * The work of one signature check with a throwaway key, for an answer that must take about as
 * long as a real check (an unknown tenant or source must not answer faster than a known one).
 */
export async function decoyVerification(body: Uint8Array<ArrayBuffer>): Promise<void> {
  const key = await hmacSha256Key(crypto.getRandomValues(new Uint8Array(32)));
  await verifyHmacSha256(key, body, new Uint8Array(32));
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
export async function verifyBase64BodyHmac(secret: string, body: Uint8Array<ArrayBuffer>, signature: string | null): Promise<boolean> {
  if (!signature || !secret) return false;
  const mac = fromBase64(signature.trim());
  // A SHA-256 MAC is 32 bytes; anything else cannot match and is not worth a key import.
  if (mac?.length !== 32) return false;
  return verifyHmacSha256(await hmacSha256Key(secret), body, mac);
}

/** Shared-key comparison for schemes without a signature (ROLLER): constant time, length hidden. */
export const sharedKeyEquals = constantTimeEqual;
