import { fromBase64 } from "../../config/encoding";
import { hmacSha256Key, verifyHmacSha256 } from "../shared/crypto";

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * "<webhook-id>.<webhook-timestamp>.<body>", key = base64 after `whsec_`, 5 minutes tolerance.
 */
export const TOLERANCE_SECONDS = 5 * 60;

export function decodeWhsec(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const key = secret.startsWith("whsec_") ? fromBase64(secret.slice("whsec_".length)) : null;
  return key && key.length > 0 ? key : undefined;
}

export async function verifyStandardSignature(
  headers: Headers,
  rawBody: string,
  secret: string,
  nowMs: number,
): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const key = decodeWhsec(secret);
  if (!key) return false;

  const hmacKey = await hmacSha256Key(key);
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    const candidate = fromBase64(value);
    if (candidate && (await verifyHmacSha256(hmacKey, `${id}.${timestamp}.${rawBody}`, candidate))) return true;
  }
  return false;
}
