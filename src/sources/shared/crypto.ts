import { constantTimeEqual, fromBase64, utf8 } from "../../config/encoding";

/**
 * HMAC-SHA256 building blocks shared by the platform signature checks. Comparison is left to
 * `crypto.subtle.verify` or the runtime's `timingSafeEqual`, both constant-time, so no adapter
 * compares MACs by hand.
 */

/** An HMAC-SHA256 key for checking signatures; a string secret is used as its raw UTF-8 bytes. */
export function hmacSha256Key(secret: string | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? utf8(secret) : secret;
  // `sign` as well: several candidates are checked against one computed MAC (verifyAnyHmacSha256).
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/**
 * The imported verify key of one source's signing secret, held beside the decrypted secret on the
 * cached config object (config/tenant-store.ts), so it lives as long as that copy of the config
 * (a few seconds), in this isolate, for that one tenant and source. Importing the key on every
 * webhook was a measured cost of the ingest path (`npm run bench` profile). A CryptoKey is a plain
 * value, not an I/O object, so a later request may use it; no promise is kept, only keys already
 * imported. A different secret (rotation) imports again.
 */
export class SourceKey {
  #held: { secret: string; key: CryptoKey } | undefined;

  /**
   * The HMAC key for `secret`; `material` reads the key bytes from it the way the scheme does
   * (undefined when the secret is not usable), and only runs when the key is not held yet.
   */
  async hmac(secret: string, material: () => string | Uint8Array<ArrayBuffer> | undefined): Promise<CryptoKey | undefined> {
    if (this.#held?.secret === secret) return this.#held.key;
    const raw = material();
    if (raw === undefined) return undefined;
    const key = await hmacSha256Key(raw);
    this.#held = { secret, key };
    return key;
  }
}

/** The HMAC key for `secret`: from the source's held key when there is one, else imported now. */
export function hmacKeyFor(
  secret: string,
  material: () => string | Uint8Array<ArrayBuffer> | undefined,
  held?: SourceKey,
): Promise<CryptoKey | undefined> {
  if (held) return held.hmac(secret, material);
  const raw = material();
  return raw === undefined ? Promise.resolve(undefined) : hmacSha256Key(raw);
}

/** Whether `mac` is the HMAC-SHA256 of `message` (the bytes as received) under `key`, in constant time. */
export function verifyHmacSha256(key: CryptoKey, message: Uint8Array<ArrayBuffer>, mac: Uint8Array<ArrayBuffer>): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, mac, message);
}

/**
 * Whether any of `macs` (each 32 bytes) is the HMAC-SHA256 of `message` under `key`. One
 * candidate is checked by `crypto.subtle.verify`; several (a sender rotating its secret) against
 * one MAC computed once, each compared with the runtime's constant-time `timingSafeEqual`
 * (https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal), every one
 * of them, so a header of eight candidates costs one pass over a body of up to 1 MiB, not eight.
 */
export async function verifyAnyHmacSha256(
  key: CryptoKey,
  message: Uint8Array<ArrayBuffer>,
  macs: Uint8Array<ArrayBuffer>[],
): Promise<boolean> {
  const candidates = macs.filter((mac) => mac.length === 32);
  if (candidates.length === 0) return false;
  if (candidates.length === 1) return verifyHmacSha256(key, message, candidates[0]!);
  const expected = await crypto.subtle.sign("HMAC", key, message);
  let found = false;
  for (const mac of candidates) found = crypto.subtle.timingSafeEqual(expected, mac) || found;
  return found;
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
export async function verifyBase64BodyHmac(
  secret: string,
  body: Uint8Array<ArrayBuffer>,
  signature: string | null,
  held?: SourceKey,
): Promise<boolean> {
  if (!signature || !secret) return false;
  const mac = fromBase64(signature.trim());
  // A SHA-256 MAC is 32 bytes; anything else cannot match and is not worth a key import.
  if (mac?.length !== 32) return false;
  const key = await hmacKeyFor(secret, () => secret, held);
  return key !== undefined && verifyHmacSha256(key, body, mac);
}

/** Shared-key comparison for schemes without a signature (ROLLER): constant time, length hidden. */
export const sharedKeyEquals = constantTimeEqual;
