import { fromBase64 } from "../../config/encoding";
import { hmacKeyFor, prefixedBytes, type SourceKey, verifyAnyHmacSha256 } from "../shared/crypto";

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * "<webhook-id>.<webhook-timestamp>.<body>", key = base64 after `whsec_`, 5 minutes tolerance.
 */
export const TOLERANCE_SECONDS = 5 * 60;

export function decodeWhsec(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const key = secret.startsWith("whsec_") ? fromBase64(secret.slice("whsec_".length)) : null;
  return key && key.length > 0 ? key : undefined;
}

/** At most this many `v1` candidates are tried: a sender rotating keys sends two or three. */
export const MAX_SIGNATURE_CANDIDATES = 8;
// base64 of a 32-byte HMAC-SHA256 with padding; any other length cannot match.
const V1_SIGNATURE_LENGTH = 44;

/**
 * The `v1` candidates worth an HMAC: space-separated `v1,<base64>` entries of the right length,
 * at most MAX_SIGNATURE_CANDIDATES of them, so a header of thousands of entries costs no more
 * than a normal one.
 */
export function signatureCandidates(header: string): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const entry of header.split(" ")) {
    if (!entry.startsWith("v1,") || entry.length !== 3 + V1_SIGNATURE_LENGTH) continue;
    const mac = fromBase64(entry.slice(3));
    if (mac && mac.length === 32) out.push(mac);
    if (out.length === MAX_SIGNATURE_CANDIDATES) break;
  }
  return out;
}

export async function verifyStandardSignature(
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
  secret: string,
  nowMs: number,
  held?: SourceKey,
): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const candidates = signatureCandidates(signatures);
  if (candidates.length === 0) return false;
  const hmacKey = await hmacKeyFor(secret, () => decodeWhsec(secret), held);
  if (!hmacKey) return false;

  const signed = prefixedBytes(`${id}.${timestamp}.`, body);
  return verifyAnyHmacSha256(hmacKey, signed, candidates);
}
