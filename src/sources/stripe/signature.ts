import { fromHex, hmacKeyFor, prefixedBytes, type SourceKey, verifyAnyHmacSha256 } from "../shared/crypto";

/**
 * `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` (docs.stripe.com/webhooks/signature; stripe-node
 * `Webhooks.ts`). The expected value is hex(HMAC-SHA256(secret, "<t>.<raw body>")) and any `v1`
 * may match (several during a secret rotation); other schemes (`v0`) are ignored.
 *
 * Unlike Standard Webhooks, the `whsec_…` endpoint secret is the key as it is written, UTF-8 bytes
 * and prefix included; nothing is base64-decoded.
 *
 * Tolerance is 300 s (Stripe's default). Stripe's libraries only bound the age; a timestamp more
 * than 300 s in the future is refused here too, as Standard Webhooks does, since no clock skew
 * that large is legitimate.
 */
export const STRIPE_TOLERANCE_SECONDS = 300;
const MAX_SIGNATURES = 8;

export function parseStripeSignature(header: string | null): { timestamp: number; signatures: string[] } | null {
  if (!header) return null;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value) signatures.push(value);
  }
  return timestamp === undefined || signatures.length === 0 ? null : { timestamp, signatures: signatures.slice(0, MAX_SIGNATURES) };
}

export async function verifyStripeSignature(
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
  secret: string,
  nowMs: number,
  held?: SourceKey,
): Promise<boolean> {
  const parsed = parseStripeSignature(headers.get("stripe-signature"));
  if (!parsed || !secret) return false;
  if (Math.abs(nowMs / 1000 - parsed.timestamp) > STRIPE_TOLERANCE_SECONDS) return false;
  const key = await hmacKeyFor(secret, () => secret, held);
  if (!key) return false;
  const signed = prefixedBytes(`${parsed.timestamp}.`, body);
  // hex of a 32-byte HMAC: any other length cannot match and is not decoded.
  const macs = parsed.signatures.flatMap((candidate) => (candidate.length === 64 ? (fromHex(candidate) ?? []) : []));
  return verifyAnyHmacSha256(key, signed, macs);
}
