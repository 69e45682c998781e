import type { Encrypted } from "./types";
import { fromBase64, randomBytes, toBase64Url, utf8 } from "./encoding";

/**
 * AES-256-GCM for secrets at rest (SPEC §1.9) under the operator's ENCRYPTION_KEY.
 * Format: `v1.<iv b64url>.<ciphertext+tag b64url>`; the version prefix leaves room for rotation.
 * The AAD binds a ciphertext to where it belongs, so a value copied to another tenant, source or
 * destination fails to decrypt instead of silently authenticating someone else's webhooks.
 */

const VERSION = "v1";
const IV_BYTES = 12;

/** A misconfigured ENCRYPTION_KEY; its message names the problem, never the key. */
export class EncryptionKeyError extends Error {
  override name = "EncryptionKeyError";
}

/** Wrong key, wrong AAD, tampered or malformed ciphertext: all look the same to the caller. */
export class DecryptError extends Error {
  override name = "DecryptError";
  constructor() {
    super("Secret could not be decrypted");
  }
}

export type SecretKind = "source" | "source-credentials" | "destination" | "beacon-key";

/** `tenantId/kind/id`: ids cannot contain "/", so distinct places never share an AAD. */
export function secretAad(tenantId: string, kind: SecretKind, id: string): string {
  return `${tenantId}/${kind}/${id}`;
}

// Importing a key is comparatively slow and the operator's key is the same for every tenant.
// The imported CryptoKey (a plain value) is kept, never the pending import: a promise belongs to
// the request context that created it.
const keyCache = new Map<string, CryptoKey>();

async function importKey(keyB64: string): Promise<CryptoKey> {
  const cached = keyCache.get(keyB64);
  if (cached) return cached;
  const raw = fromBase64(keyB64 ?? "");
  if (!raw || raw.length !== 32) {
    throw new EncryptionKeyError(
      `ENCRYPTION_KEY must be base64 of exactly 32 bytes (got ${raw ? `${raw.length} bytes` : "no valid base64"})`,
    );
  }
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  if (keyCache.size >= 4) keyCache.clear(); // at most a current and a previous key in use
  keyCache.set(keyB64, key);
  return key;
}

export async function encryptSecret(keyB64: string, plaintext: string, aad: string): Promise<Encrypted> {
  const key = await importKey(keyB64);
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(aad) },
    key,
    utf8(plaintext),
  );
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

export async function decryptSecret(keyB64: string, value: Encrypted, aad: string): Promise<string> {
  const key = await importKey(keyB64);
  const [version, ivText, ctText, ...rest] = value.split(".");
  if (version !== VERSION || ivText === undefined || ctText === undefined || rest.length > 0) throw new DecryptError();
  const iv = fromBase64(ivText);
  const ciphertext = fromBase64(ctText);
  if (!iv || iv.length !== IV_BYTES || !ciphertext) throw new DecryptError();
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, ciphertext);
    return new TextDecoder().decode(plain);
  } catch {
    throw new DecryptError();
  }
}
