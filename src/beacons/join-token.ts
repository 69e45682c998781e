import { fromBase64, toBase64Url, utf8 } from "../config/encoding";

/**
 * Join tokens: the tenant's checkout server vouches that a browser beacon belongs to one of its
 * checkouts. `v1.<exp>.<base64url(HMAC-SHA256(beaconKey, tenantId + "." + joinKey + "." + exp))>`,
 * keyed with the UTF-8 bytes of the whole `bk_…` string, base64url without padding (RFC 4648 §5),
 * `exp` in Unix seconds. HMAC: RFC 2104; WebCrypto `sign`/`verify`:
 * https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/verify
 */

export const JOIN_TOKEN_VERSION = "v1";
/** A token may be minted for at most a day ahead: the beacon's own 24 h window. */
export const MAX_TOKEN_LIFETIME_S = 24 * 60 * 60;
/** Leeway for a checkout server whose clock runs a little ahead of ours. */
const CLOCK_SKEW_S = 5 * 60;
/**
 * The MAC is base64url (43 characters). Lowercase hex (64) is accepted too, because Shopify
 * Liquid's `hmac_sha256` filter can only output hex and Liquid has no filter that re-encodes
 * bytes: https://shopify.dev/docs/api/liquid/filters/hmac_sha256
 */
const TOKEN_PATTERN = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43}|[0-9a-f]{64})$/;
/**
 * No well-formed token is longer than 80 characters (`v1.`, 12 digits, `.`, 64 hex); anything
 * over this bound is malformed before it is even matched, so the work per beacon stays bounded
 * whatever a sender puts in the field. The beacon schema documents the same bound.
 */
export const MAX_JOIN_TOKEN_LENGTH = 128;

function macBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length !== 64) return fromBase64(text);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function hmacKey(beaconKey: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(beaconKey), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

function message(tenantId: string, joinKey: string, exp: number): Uint8Array<ArrayBuffer> {
  return utf8(`${tenantId}.${joinKey}.${exp}`);
}

/** What a checkout server does (used by tests and the demo scripts' equivalent). */
export async function mintJoinToken(beaconKey: string, tenantId: string, joinKey: string, exp: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(beaconKey, "sign"), message(tenantId, joinKey, exp));
  return `${JOIN_TOKEN_VERSION}.${exp}.${toBase64Url(new Uint8Array(mac))}`;
}

export type JoinTokenCheck = { ok: true } | { ok: false; why: "malformed" | "expired" | "too_far_ahead" | "mismatch" };

/**
 * Checks a token (the raw `joinToken` value of the beacon body, of any type) against every key
 * still valid for the tenant (the current one and, for 24 h after a rotation, the previous one). The MAC is compared by WebCrypto `verify`, which takes
 * the same time wherever the bytes differ.
 */
export async function checkJoinToken(
  token: unknown,
  keys: readonly string[],
  tenantId: string,
  joinKey: string,
  nowMs: number,
): Promise<JoinTokenCheck> {
  // Whatever the beacon body held: a number, null or an object is as malformed as a bad string.
  const match = typeof token === "string" && token.length <= MAX_JOIN_TOKEN_LENGTH ? TOKEN_PATTERN.exec(token) : null;
  const mac = match ? macBytes(match[2]!) : null;
  if (!match || !mac || mac.length !== 32) return { ok: false, why: "malformed" };
  const exp = Number(match[1]);
  const now = Math.floor(nowMs / 1000);
  if (exp <= now) return { ok: false, why: "expired" };
  if (exp > now + MAX_TOKEN_LIFETIME_S + CLOCK_SKEW_S) return { ok: false, why: "too_far_ahead" };
  let valid = false;
  for (const key of keys) {
    // No early exit: every key is tried, so timing does not tell which one matched.
    const ok = await crypto.subtle.verify("HMAC", await hmacKey(key, "verify"), mac, message(tenantId, joinKey, exp));
    valid = valid || ok;
  }
  return valid ? { ok: true } : { ok: false, why: "mismatch" };
}
