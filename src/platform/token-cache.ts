import { sha256Hex } from "../config/encoding";

/**
 * Outbound access tokens (ROLLER, Google OAuth) cached between requests of one isolate.
 *
 * Durable Objects of different tenants share an isolate, so a cache keyed by a client id alone
 * hands one tenant's token to another tenant who merely knows that id. Every entry is keyed by the
 * tenant, the source or destination it belongs to and a hash of the full credential set: a
 * token is only ever served to the same place with the same credentials that earned it.
 *
 * Only plain values live here. A pending token request is a promise bound to the request context
 * that started it: the Workers runtime does not let one request use I/O begun by another
 * (https://developers.cloudflare.com/workers/observability/errors/#cannot-perform-io-on-behalf-of-a-different-request),
 * and the starter's cancellation would fail every waiter. In-flight requests are shared through
 * a per-run memo instead (see `RunMemo`).
 */

/** Whose credentials: the tenant and the id of the source or destination holding them. */
export interface CredentialScope {
  tenantId: string;
  ownerId: string;
}

/** Promises shared by the work of one request or alarm run, never beyond it. */
export type RunMemo = Map<string, Promise<unknown>>;

export interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * `kind/tenant/owner/credentials` hashed: the credential values are secrets and never sit in
 * memory as a key, and JSON framing keeps `("a|b", "c")` and `("a", "b|c")` apart.
 */
export function tokenCacheKey(kind: string, scope: CredentialScope, credentials: readonly string[]): Promise<string> {
  return sha256Hex(JSON.stringify([kind, scope.tenantId, scope.ownerId, ...credentials]));
}

/** A bounded map of tokens; the oldest entry goes first when it is full. */
export class TokenCache {
  readonly #entries = new Map<string, CachedToken>();

  constructor(private readonly maxEntries = 1000) {}

  /** The token if it is still valid at `now`. */
  get(key: string, now: number): CachedToken | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry;
    if (entry) this.#entries.delete(key);
    return undefined;
  }

  set(key: string, entry: CachedToken): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      // Map order is insertion order: the least recently issued token goes.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, entry);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
