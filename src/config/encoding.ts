/** Byte/text encodings shared by the config helpers (WebCrypto works on bytes). */

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  // TextEncoder always allocates a fresh ArrayBuffer; the lib type is merely wider.
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Two hex digits per byte value: a webhook turns about a dozen digests into hex. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (let i = 0; i < view.length; i++) out += HEX_BYTES[view[i]!];
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Standard or URL-safe base64, padded or not; null when it is not base64 at all. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const normalized = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized) || normalized.replace(/=+$/, "").length % 4 === 1) return null;
  const padded = normalized.padEnd(Math.ceil(normalized.length / 4) * 4, "=");
  try {
    const binary = atob(padded);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function sha256Hex(text: string): Promise<string> {
  return crypto.subtle.digest("SHA-256", shortUtf8(text)).then(toHex);
}

/**
 * UTF-8 bytes of a short value (an identifier about to be hashed): ASCII is copied code unit by
 * code unit, anything else goes through TextEncoder. A webhook hashes about a dozen such values,
 * and for strings this short the call into the runtime's encoder cost more than the copy
 * (`npm run bench` profile). ASCII is the one range where a UTF-16 code unit and its UTF-8 byte
 * are the same number (https://www.rfc-editor.org/rfc/rfc3629#section-3).
 */
function shortUtf8(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7f) return utf8(text);
    bytes[i] = unit;
  }
  return bytes;
}

/**
 * Equality that takes the same time wherever the inputs differ. Both sides are hashed first so
 * the comparison runs on equal-length buffers and the length of a secret does not leak either.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", utf8(a)), crypto.subtle.digest("SHA-256", utf8(b))]);
  return crypto.subtle.timingSafeEqual(da, db);
}
