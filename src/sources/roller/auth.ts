import { sharedKeyEquals } from "../shared/crypto";

/**
 * ROLLER signs nothing: a subscription carries `authentication.apiKey` (and an
 * `isBasicAuthentication` flag) and ROLLER echoes that key on every delivery. The header it uses
 * is not published in ROLLER's API docs (https://docs.roller.app), so the defaults are the names seen in
 * the wild and a source can name its own; Basic and Bearer `Authorization` are accepted too.
 */
export const DEFAULT_KEY_HEADERS = ["x-api-key", "x-roller-api-key"] as const;

function decodeBasic(token: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(token), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * What an Authorization header may carry the key as: `Bearer <key>`, `Basic <key>` (some senders
 * put the key itself there), or `Basic base64(user:pass)` with the key as the password or the user.
 */
function fromAuthorization(value: string): string[] {
  const [scheme = "", token = ""] = value.trim().split(/\s+/, 2);
  const lower = scheme.toLowerCase();
  if (lower === "bearer") return token ? [token] : [];
  if (lower !== "basic" || !token) return [value.trim()];
  const out = [token];
  const decoded = decodeBasic(token);
  if (decoded !== undefined) {
    out.push(decoded);
    const colon = decoded.indexOf(":");
    if (colon >= 0) out.push(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  return out;
}

/** Every value the request presents as the shared key. */
export function presentedKeys(headers: Headers, authHeader?: string): string[] {
  const names = authHeader && authHeader !== "authorization" ? [authHeader] : authHeader ? [] : [...DEFAULT_KEY_HEADERS];
  const keys: string[] = [];
  for (const name of names) {
    const value = headers.get(name);
    if (value) keys.push(value.trim());
  }
  const authorization = headers.get("authorization");
  if (authorization) keys.push(...fromAuthorization(authorization));
  return keys.filter((k) => k.length > 0).slice(0, 8);
}

/** Constant-time check that one presented value is the source's shared key. */
export async function verifyRollerKey(headers: Headers, secret: string, authHeader?: string): Promise<boolean> {
  if (!secret) return false;
  const keys = presentedKeys(headers, authHeader);
  if (keys.length === 0) return false;
  // Every candidate is compared, so timing does not tell which form matched.
  const results = await Promise.all(keys.map((key) => sharedKeyEquals(key, secret)));
  return results.includes(true);
}
