import { TokenCache, tokenCacheKey } from "../../platform/token-cache";
import { DESTINATION_TIMEOUT_MS, readJsonSafely, retryAfterMs } from "../http";
import type { Failure } from "../../platform/outcome";
import type { ItemOutcome, SendContext } from "../types";

/**
 * Google OAuth: a refresh token exchanged for a short-lived access token (https://developers.google.com/identity/protocols/oauth2/web-server#offline), cached
 * per isolate until shortly before it expires, so a busy tenant costs one token request an hour
 * rather than one per batch.
 */

export interface GoogleOAuthCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** A token, or why there is none in the relay's one failure vocabulary (src/platform/outcome.ts). */
export type TokenResult = { status: "ok"; token: string } | Failure;

/** Refreshed this long before Google's expiry, so a token never expires mid-request. */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;
const DEFAULT_EXPIRES_IN_S = 3599;
const MAX_CACHED_TOKENS = 1000;

// Plain values only, keyed by tenant, destination and a hash of every credential field (see
// src/platform/token-cache.ts): Durable Objects of different tenants share this isolate. A pending
// fetch is deliberately not shared across runs, because a promise awaited across request contexts
// can be cancelled with the one that started it; within one delivery run the lanes share it
// through `ctx.runMemo`.
const cache = new TokenCache(MAX_CACHED_TOKENS);

export function clearGoogleTokenCacheForTesting(): void {
  cache.clear();
}

export function readOAuthCredentials(credentials: Record<string, string>): GoogleOAuthCredentials | undefined {
  const { clientId, clientSecret, refreshToken } = credentials;
  if (!clientId || !clientSecret || !refreshToken) return undefined;
  return { clientId, clientSecret, refreshToken };
}

function cacheKey(creds: GoogleOAuthCredentials, ctx: SendContext): Promise<string> {
  const scope = { tenantId: ctx.scope.tenantId, ownerId: ctx.scope.destinationId };
  return tokenCacheKey("google-oauth", scope, [ctx.env.GOOGLE_OAUTH_TOKEN_URL, creds.clientId, creds.clientSecret, creds.refreshToken]);
}

/**
 * A valid access token. `rejected` is a token the API just answered 401 for: it is dropped and a
 * new one fetched, unless the cache already holds a newer one.
 */
export async function getAccessToken(
  creds: GoogleOAuthCredentials,
  ctx: SendContext,
  options: { rejected?: string } = {},
): Promise<TokenResult> {
  const key = await cacheKey(creds, ctx);
  const cached = cache.get(key, ctx.now);
  if (cached && cached.token !== options.rejected) {
    return { status: "ok", token: cached.token };
  }
  cache.delete(key);
  const memoKey = `google-token:${key}:${options.rejected ?? ""}`;
  let pending = ctx.runMemo?.get(memoKey) as Promise<FetchResult> | undefined;
  if (!pending) {
    pending = fetchToken(creds, ctx);
    ctx.runMemo?.set(memoKey, pending);
  }
  const result = await pending;
  if (result.status === "ok") {
    const expiresAt = ctx.now + result.expiresInS * 1000 - TOKEN_EXPIRY_MARGIN_MS;
    if (expiresAt > ctx.now) cache.set(key, { token: result.token, expiresAt });
    return { status: "ok", token: result.token };
  }
  return result;
}

type FetchResult = { status: "ok"; token: string; expiresInS: number } | Failure;

async function fetchToken(creds: GoogleOAuthCredentials, ctx: SendContext): Promise<FetchResult> {
  let res: Response;
  try {
    res = await ctx.fetch(ctx.env.GOOGLE_OAUTH_TOKEN_URL, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
        refresh_token: creds.refreshToken,
      }).toString(),
      signal: AbortSignal.timeout(DESTINATION_TIMEOUT_MS),
    });
  } catch (err) {
    const code = err instanceof Error && err.name === "TimeoutError" ? "oauth_timeout" : "oauth_network_error";
    return { status: "retry", code };
  }
  const body = (await readJsonSafely(res)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
  if (res.ok && typeof body?.access_token === "string" && body.access_token !== "") {
    const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
    return { status: "ok", token: body.access_token, expiresInS: expiresIn };
  }
  return classifyTokenError(res.status, body?.error, retryAfterMs(res.headers, ctx.now));
}

/**
 * Token endpoint failures: throttling and server errors retry; `invalid_grant` (refresh token
 * revoked or expired), `invalid_client` and the like need the tenant to reconnect, so they hold the lane.
 */
export function classifyTokenError(httpStatus: number, error: unknown, retryAfter?: number): Failure {
  const named = typeof error === "string" && /^[a-z_]+$/.test(error) ? error : undefined;
  if (httpStatus === 429 || httpStatus >= 500) {
    return { status: "retry", code: `oauth_http_${httpStatus}`, retryAfterMs: retryAfter };
  }
  if (httpStatus >= 200 && httpStatus < 300) return { status: "retry", code: "oauth_malformed_response" };
  const code = named ? `oauth_${named}` : `oauth_http_${httpStatus}`;
  // https://datatracker.ietf.org/doc/html/rfc6749#section-5.2: the grant or the client is no longer
  // valid; only new credentials help, so the lane waits for them instead of failing the queue.
  if (named === "invalid_grant" || named === "invalid_client" || named === "unauthorized_client") {
    return {
      status: "hold",
      code,
      message:
        "Google refused the OAuth credentials (refresh token revoked or expired, or client changed): reconnect and update the destination with a new refresh token.",
    };
  }
  return { status: "failed", code };
}

/** Every row fails `credentials_missing` (permanent until the destination's credentials are set). */
export function credentialsMissing(rows: readonly unknown[]): ItemOutcome[] {
  return rows.map(() => ({ status: "failed", code: "credentials_missing" }));
}
