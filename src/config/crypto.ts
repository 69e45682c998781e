import type { Encrypted } from "./types";
import { fromBase64, randomBytes, toBase64Url, toHex, utf8 } from "./encoding";

/**
 * AES-256-GCM for secrets at rest under the operator's ENCRYPTION_KEY.
 * Format: `v2.<key id>.<iv b64url>.<ciphertext+tag b64url>`. The key id names the key a value was
 * written under, so during a rotation (ENCRYPTION_KEY = new, ENCRYPTION_KEY_PREVIOUS = old) each
 * value is opened with its own key, and `POST /v1/admin/reencrypt` can tell which values still
 * need rewriting. Values written before key ids, `v1.<iv>.<ciphertext>`, still decrypt: the
 * current key is tried first, then the previous one.
 * The AAD binds a ciphertext to where it belongs, so a value copied to another tenant, source or
 * destination fails to decrypt instead of silently authenticating someone else's webhooks.
 */

const VERSION = "v2";
const LEGACY_VERSION = "v1";
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
// The imported key (a plain value) is kept, never the pending import: a promise belongs to the
// request context that created it.
interface ImportedKey {
  key: CryptoKey;
  /** 8 hex of SHA-256 over a label and the key: names the key, reveals nothing usable about it. */
  id: string;
}
const keyCache = new Map<string, ImportedKey>();

async function importKey(keyB64: string, name = "ENCRYPTION_KEY"): Promise<ImportedKey> {
  const cached = keyCache.get(keyB64);
  if (cached) return cached;
  const raw = fromBase64(keyB64 ?? "");
  if (raw?.length !== 32) {
    throw new EncryptionKeyError(`${name} must be base64 of exactly 32 bytes (got ${raw ? `${raw.length} bytes` : "no valid base64"})`);
  }
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array([...utf8("sluice-encryption-key-id:"), ...raw]));
  const imported = { key, id: toHex(digest).slice(0, 8) };
  if (keyCache.size >= 4) keyCache.clear(); // at most a current and a previous key in use
  keyCache.set(keyB64, imported);
  return imported;
}

/** The key id new values are written under (shown by the re-encryption receipt). */
export async function encryptionKeyId(keyB64: string): Promise<string> {
  return (await importKey(keyB64)).id;
}

export async function encryptSecret(keyB64: string, plaintext: string, aad: string): Promise<Encrypted> {
  const { key, id } = await importKey(keyB64);
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, utf8(plaintext));
  return `${VERSION}.${id}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

interface Parsed {
  /** Absent for legacy `v1` values. */
  keyId?: string;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

function parse(value: Encrypted): Parsed | null {
  const parts = typeof value === "string" ? value.split(".") : [];
  let keyId: string | undefined;
  let ivText: string | undefined;
  let ctText: string | undefined;
  if (parts[0] === VERSION && parts.length === 4 && /^[0-9a-f]{8}$/.test(parts[1]!)) [, keyId, ivText, ctText] = parts;
  else if (parts[0] === LEGACY_VERSION && parts.length === 3) [, ivText, ctText] = parts;
  else return null;
  const iv = fromBase64(ivText ?? "");
  const ciphertext = fromBase64(ctText ?? "");
  if (!iv || iv.length !== IV_BYTES || !ciphertext) return null;
  return { ...(keyId ? { keyId } : {}), iv, ciphertext };
}

/** The key id a value names, or null for a legacy `v1` value (or one that is not a ciphertext). */
export function keyIdOf(value: Encrypted): string | null {
  return parse(value)?.keyId ?? null;
}

/**
 * Decrypts under the current key or, during a rotation, the previous one. A value that names its
 * key is tried only with that key; a legacy value with the current key first.
 */
export async function decryptSecret(keyB64: string, value: Encrypted, aad: string, previousKeyB64?: string): Promise<string> {
  const keys = [await importKey(keyB64)];
  if (previousKeyB64) keys.push(await importKey(previousKeyB64, "ENCRYPTION_KEY_PREVIOUS"));
  const parsed = parse(value);
  if (!parsed) throw new DecryptError();
  for (const { key, id } of keys) {
    if (parsed.keyId !== undefined && parsed.keyId !== id) continue;
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: parsed.iv, additionalData: utf8(aad) }, key, parsed.ciphertext);
      return new TextDecoder().decode(plain);
    } catch {
      // Not this key (or tampered): try the next, then give up.
    }
  }
  throw new DecryptError();
}

/** The operator's keys from the environment: new values use `current`, reads accept both. */
export interface EncryptionKeys {
  current: string;
  previous?: string;
}

export function encryptionKeys(env: Pick<Env, "ENCRYPTION_KEY"> & { ENCRYPTION_KEY_PREVIOUS?: string }): EncryptionKeys {
  return { current: env.ENCRYPTION_KEY, ...(env.ENCRYPTION_KEY_PREVIOUS ? { previous: env.ENCRYPTION_KEY_PREVIOUS } : {}) };
}

/** Decrypts with the environment's keys (current, then previous during a rotation). */
export function decryptWithEnv(
  env: Pick<Env, "ENCRYPTION_KEY"> & { ENCRYPTION_KEY_PREVIOUS?: string },
  value: Encrypted,
  aad: string,
): Promise<string> {
  const keys = encryptionKeys(env);
  return decryptSecret(keys.current, value, aad, keys.previous);
}
