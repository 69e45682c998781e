import { verifyBase64BodyHmac } from "../shared/crypto";

/**
 * `X-WC-Webhook-Signature` = base64(hash_hmac('sha256', body, wp_specialchars_decode(secret),
 * true)) over the JSON body as sent (WooCommerce `class-wc-webhook.php` generate_signature).
 *
 * WordPress may hold the secret HTML-escaped and decodes it before signing, so a secret that
 * contains entities is also tried decoded the way wp_specialchars_decode(…, ENT_QUOTES) does.
 */
const ENTITIES: Array<[RegExp, string]> = [
  [/&lt;/g, "<"],
  [/&gt;/g, ">"],
  [/&quot;|&#0*34;|&#x0*22;/gi, '"'],
  [/&#0*39;|&#x0*27;/gi, "'"],
  // Last, so "&amp;lt;" becomes "&lt;" and not "<", as in PHP.
  [/&amp;|&#0*38;|&#x0*26;/gi, "&"],
];

export function wpSpecialcharsDecode(secret: string): string {
  return ENTITIES.reduce((s, [pattern, char]) => s.replace(pattern, char), secret);
}

export async function verifyWooSignature(headers: Headers, body: Uint8Array<ArrayBuffer>, secret: string): Promise<boolean> {
  const signature = headers.get("x-wc-webhook-signature");
  if (await verifyBase64BodyHmac(secret, body, signature)) return true;
  const decoded = wpSpecialcharsDecode(secret);
  return decoded !== secret && verifyBase64BodyHmac(decoded, body, signature);
}

/**
 * A newly saved webhook first POSTs an unsigned `webhook_id=<n>` and is only activated on an
 * exact 200 (`deliver_ping`). Recognised narrowly: no signature header and nothing else in the body.
 */
export function isWooPing(headers: Headers, body: Uint8Array<ArrayBuffer>): boolean {
  // `webhook_id=` and at most 20 digits, with a little whitespace: anything longer is not a ping.
  if (headers.has("x-wc-webhook-signature") || body.length > 64) return false;
  return /^webhook_id=\d{1,20}$/.test(new TextDecoder().decode(body).trim());
}
