/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * "<webhook-id>.<webhook-timestamp>.<body>", key = base64 after `whsec_`, 5 minutes tolerance.
 */
export const TOLERANCE_SECONDS = 5 * 60;

export function decodeWhsec(secret: string): Uint8Array | undefined {
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : undefined;
  if (!b64) return undefined;
  try {
    const bin = atob(b64);
    return bin.length > 0 ? Uint8Array.from(bin, (ch) => ch.charCodeAt(0)) : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64(value: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
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

  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${rawBody}`);
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    const candidate = decodeBase64(value);
    // subtle.verify compares in constant time.
    if (candidate && (await crypto.subtle.verify("HMAC", hmacKey, candidate, signed))) return true;
  }
  return false;
}
