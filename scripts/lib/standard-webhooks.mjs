// Standard Webhooks signing (https://www.standardwebhooks.com), as the `standard` source expects:
//   webhook-id:        a unique message id
//   webhook-timestamp: Unix seconds
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
// where the key is the base64-decoded part of the secret after "whsec_".
// Reference vector (from the spec's test suite), checked in test-node/sandbox.test.ts:
//   secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
//   timestamp 1614265330, body {"test": 2432232314}
//   → v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The HMAC key of a `whsec_<base64>` secret (the prefix is optional).
 * @param {string} secret
 * @returns {Buffer}
 */
export function secretKey(secret) {
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error("the webhook secret must be whsec_<base64>");
  const key = Buffer.from(b64, "base64");
  if (key.length === 0) throw new Error("the webhook secret is empty");
  return key;
}

/**
 * `whsec_` + base64 of the given key bytes.
 * @param {string | Uint8Array} key
 */
export function formatSecret(key) {
  return `whsec_${Buffer.from(key).toString("base64")}`;
}

/**
 * The signature value without the "v1," prefix.
 * @param {string} secret
 * @param {string} id
 * @param {number | string} timestamp Unix seconds
 * @param {string | Uint8Array} body the exact bytes sent
 */
export function computeSignature(secret, id, timestamp, body) {
  return createHmac("sha256", secretKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest("base64");
}

/** A fresh message id, `msg_` + 24 random url-safe characters. */
export function newMessageId() {
  return `msg_${randomBytes(18).toString("base64url")}`;
}

/**
 * The three headers for one delivery.
 * @param {{ secret: string, body: string | Uint8Array, id?: string, timestamp?: number | Date }} input
 *   `timestamp` in Unix seconds (or a Date); default now.
 * @returns {{ "webhook-id": string, "webhook-timestamp": string, "webhook-signature": string }}
 */
export function signStandardWebhook({ secret, body, id = newMessageId(), timestamp = new Date() }) {
  const ts = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : Math.floor(timestamp);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": `v1,${computeSignature(secret, id, ts, body)}`,
  };
}

/**
 * Checks a delivery (for tests and tools; the Worker has its own verifier). Constant-time compare;
 * any of the space-separated `v1,` signatures may match.
 * @param {{ secret: string, body: string | Uint8Array, headers: Record<string, string | undefined>,
 *   toleranceSeconds?: number, nowSeconds?: number }} input
 */
export function verifyStandardWebhook({ secret, body, headers, toleranceSeconds = 300, nowSeconds }) {
  const id = headers["webhook-id"];
  const ts = headers["webhook-timestamp"];
  const sigs = headers["webhook-signature"];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) return false;
  const now = nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, id, ts, body), "base64");
  return sigs.split(" ").some((s) => {
    const [version, value] = s.split(",", 2);
    if (version !== "v1" || !value) return false;
    const got = Buffer.from(value, "base64");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
