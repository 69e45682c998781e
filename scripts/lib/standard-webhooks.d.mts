// Types for scripts/lib/standard-webhooks.mjs (plain ESM JavaScript).

export type StandardWebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional). */
export function secretKey(secret: string): Buffer;
/** `whsec_` + base64 of the key bytes. */
export function formatSecret(key: string | Uint8Array): string;
/** base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), without the "v1," prefix. */
export function computeSignature(secret: string, id: string, timestamp: number | string, body: string | Uint8Array): string;
export function newMessageId(): string;
/** The three headers for one delivery; `timestamp` in Unix seconds or a Date (default now). */
export function signStandardWebhook(input: {
  secret: string;
  body: string | Uint8Array;
  id?: string;
  timestamp?: number | Date;
}): StandardWebhookHeaders;
export function verifyStandardWebhook(input: {
  secret: string;
  body: string | Uint8Array;
  headers: Record<string, string | undefined>;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean;
