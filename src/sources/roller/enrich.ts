import { retryAfterMs } from "../../destinations/http";
import type { Failure } from "../../platform/outcome";
import { TokenCache, tokenCacheKey, type CredentialScope, type RunMemo } from "../../platform/token-cache";
import type { EnrichContext, EnrichmentOutcome, EnrichmentRequest } from "../types";
import { rollerBookingCustomer } from "./booking";

/**
 * Booking-detail enrichment for ROLLER webhooks that lack e-mail or phone: the webhook is the
 * signal, ROLLER's "Get detail of a booking" (https://docs.roller.app) the authoritative read.
 *
 * Runs in the TenantRelay delivery step, never in the webhook request. The caller hashes the
 * returned CustomerData immediately: the Durable Object never holds raw personal data.
 *
 * ROLLER auth (docs.roller.app "Authentication"): `POST {base}/token` with JSON
 * `{client_id, client_secret}` → `{access_token, token_type, expires_in}` (generally 24 h).
 * "Reuse the current token until you receive a 401"; a token per call "may result in a 429 and
 * lead to the suspension of your API credentials". Credentials are scoped to one venue.
 */

export interface RollerCredentials {
  clientId: string;
  clientSecret: string;
}

export type RollerLookupCode =
  | "roller_rate_limited"
  | "roller_credentials_rejected"
  | "roller_unauthorized"
  | "roller_booking_not_found"
  | "roller_unavailable"
  | "roller_bad_response";

/** The kind of lookup a ROLLER webhook without e-mail or phone asks for (see ./index.ts). */
export const ROLLER_BOOKING_LOOKUP = "roller_booking";

export interface RollerLookupOptions {
  /** The tenant and source whose credentials these are; cached tokens are keyed by it. */
  scope: CredentialScope;
  /** Where tokens live between lookups; the default is this isolate's memory. */
  cache?: TokenCache;
  /** Token requests in flight, shared by the lookups of one alarm run only. */
  memo?: RunMemo;
  now?: () => number;
}

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

const memoryCache = new TokenCache();

/** A token is dropped this long before ROLLER says it expires, so none is used at the edge. */
const EXPIRY_MARGIN_MS = 60_000;
const DEFAULT_TOKEN_LIFETIME_S = 3600;
const REQUEST_TIMEOUT_MS = 10_000;

type TokenOutcome = { status: "ok"; token: string; fresh: boolean } | Failure;

function failure(code: RollerLookupCode, retryable: boolean, res?: Response): Failure {
  if (!retryable) return { status: "failed", code };
  const wait = res ? retryAfterMs(res.headers, Date.now()) : undefined;
  return wait === undefined ? { status: "retry", code } : { status: "retry", code, retryAfterMs: wait };
}

/** A failure of the transport or a 5xx is ROLLER's and passes; a 429 asks us to wait. */
function classify(res: Response, notFound: RollerLookupCode = "roller_bad_response") {
  if (res.status === 429) return failure("roller_rate_limited", true, res);
  if (res.status >= 500) return failure("roller_unavailable", true, res);
  if (res.status === 404) return failure(notFound, false);
  return failure("roller_bad_response", false);
}

function apiBase(env: Pick<Env, "ROLLER_API_BASE">): string {
  return (env.ROLLER_API_BASE || "https://api.roller.app").replace(/\/+$/, "");
}

/** What one lookup gets its token with: the venue's API and credentials, and where the token is cached. */
interface TokenClient {
  base: string;
  credentials: RollerCredentials;
  fetchFn: FetchFn;
  cache: TokenCache;
  key: string;
}

async function requestToken({ base, credentials, fetchFn, cache, key }: TokenClient, now: number): Promise<TokenOutcome> {
  let res: Response;
  try {
    res = await fetchFn(`${base}/token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    return failure("roller_unavailable", true);
  }
  // Wrong or revoked credentials: asking again will not help, and risks a suspension.
  if (res.status === 400 || res.status === 401 || res.status === 403) return failure("roller_credentials_rejected", false);
  if (!res.ok) return classify(res);
  const body = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
  const token = typeof body?.access_token === "string" && body.access_token ? body.access_token : undefined;
  if (!token) return failure("roller_bad_response", false);
  const lifetimeS = typeof body?.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S;
  const margin = Math.min(EXPIRY_MARGIN_MS, (lifetimeS * 1000) / 2);
  cache.set(key, { token, expiresAt: now + lifetimeS * 1000 - margin });
  return { status: "ok", token, fresh: true };
}

/**
 * A cached token, or one request for a new one. Concurrent lookups of one run wait on the same
 * request through the run's memo; nothing pending outlives the run.
 */
function token(client: TokenClient, now: number, memo: RunMemo | undefined): Promise<TokenOutcome> {
  const cached = client.cache.get(client.key, now);
  if (cached) return Promise.resolve({ status: "ok", token: cached.token, fresh: false });
  const memoKey = `roller-token:${client.key}`;
  const pending = memo?.get(memoKey) as Promise<TokenOutcome> | undefined;
  if (pending) return pending;
  const request = requestToken(client, now).finally(() => memo?.delete(memoKey));
  memo?.set(memoKey, request);
  return request;
}

/** `GET /bookings/{uniqueId}` answers the booking, possibly wrapped as `{ booking }` or `{ data }`. */
export function rollerBookingFromResponse(body: unknown): unknown {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  for (const wrapper of ["booking", "data"]) {
    const inner = b[wrapper];
    if (inner && typeof inner === "object" && !Array.isArray(inner)) return inner;
  }
  return b;
}

/**
 * Reads one booking's customer data with the venue's OAuth client credentials. Reuses a cached
 * token; on a 401 drops it and tries once more with a fresh one. Never throws.
 */
export async function fetchRollerBooking(
  env: Pick<Env, "ROLLER_API_BASE">,
  credentials: RollerCredentials,
  uniqueId: string,
  fetchFn: FetchFn = (input, init) => fetch(input, init),
  options: RollerLookupOptions,
): Promise<EnrichmentOutcome> {
  const base = apiBase(env);
  const cache = options.cache ?? memoryCache;
  const now = options.now ?? Date.now;
  // Tenant, source, API base and every credential field: a tenant that knows another's client id
  // but not its secret never reaches that tenant's token.
  const key = await tokenCacheKey("roller", options.scope, [base, credentials.clientId, credentials.clientSecret]);
  const client: TokenClient = { base, credentials, fetchFn, cache, key };

  for (let attempt = 0; attempt < 2; attempt++) {
    const auth = await token(client, now(), options.memo);
    if (auth.status !== "ok") return auth;
    let res: Response;
    try {
      res = await fetchFn(`${base}/bookings/${encodeURIComponent(uniqueId)}`, {
        headers: { authorization: `Bearer ${auth.token}`, accept: "application/json" },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      return failure("roller_unavailable", true);
    }
    if (res.status === 401) {
      // The documented signal to fetch a new token. A fresh token refused means the token is not
      // the problem (e.g. credentials of another venue), and more token requests only risk a 429.
      cache.delete(key);
      if (auth.fresh) break;
      continue;
    }
    if (!res.ok) return classify(res, "roller_booking_not_found");
    const body = await res.json().catch(() => undefined);
    const booking = rollerBookingFromResponse(body);
    if (!booking) return failure("roller_bad_response", false);
    return { status: "ok", customer: rollerBookingCustomer(booking) };
  }
  return failure("roller_unauthorized", false);
}

/**
 * The ROLLER definition's `enrich` hook: the booking detail, read with the venue's OAuth client
 * (the source's write-only credentials).
 */
export function enrichRollerBooking(request: EnrichmentRequest, ctx: EnrichContext): Promise<EnrichmentOutcome> {
  const { clientId, clientSecret } = ctx.credentials;
  if (request.kind !== ROLLER_BOOKING_LOOKUP) return Promise.resolve({ status: "failed", code: "enrichment_not_applicable" });
  if (!clientId || !clientSecret) return Promise.resolve({ status: "failed", code: "roller_credentials_missing" });
  return fetchRollerBooking(ctx.env, { clientId, clientSecret }, request.id, undefined, {
    scope: ctx.scope,
    memo: ctx.memo,
    now: () => ctx.now,
  });
}

/** For tests: forget cached tokens. */
export function clearRollerTokenCache(): void {
  memoryCache.clear();
}
