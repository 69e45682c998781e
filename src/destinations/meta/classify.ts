import type { ItemOutcome } from "../types";

/**
 * Meta Graph API error → retry class, per reference/destinations.md §1.6 (RudderStack's
 * errorDetailsMap): throttling and transient codes back off; invalid parameters and auth or
 * configuration errors are terminal. Unknown codes are retried (bounded by the 24 h window),
 * because a lost conversion costs more than a few wasted retries.
 */
const THROTTLING = new Set([4, 17, 32, 341, 613]);
const TRANSIENT = new Set([1, 2, 368, 5000]);
const INVALID_PARAMETER = new Set([100, 105]);
// 104: no access token was sent (Graph answers it before looking at the events).
const AUTH_OR_CONFIG = new Set([10, 104, 190]);

export interface MetaGraphError {
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  type?: string;
}

export function metaErrorCode(err: MetaGraphError | undefined, httpStatus: number): string {
  if (!err?.code) return `http_${httpStatus}`;
  return err.error_subcode ? `meta_${err.code}_${err.error_subcode}` : `meta_${err.code}`;
}

export function classifyMetaError(httpStatus: number, err: MetaGraphError | undefined, retryAfterMs?: number): ItemOutcome {
  const code = metaErrorCode(err, httpStatus);
  const n = err?.code;
  if (n !== undefined) {
    if (THROTTLING.has(n) || (n >= 80000 && n < 81000)) return { status: "retry", code, retryAfterMs };
    if (TRANSIENT.has(n)) return { status: "retry", code, retryAfterMs };
    if (INVALID_PARAMETER.has(n)) return { status: "failed", code };
    if (AUTH_OR_CONFIG.has(n) || (n >= 200 && n <= 299)) return { status: "failed", code };
  }
  if (httpStatus === 429 || httpStatus >= 500 || err?.is_transient) return { status: "retry", code, retryAfterMs };
  if (n === undefined && httpStatus >= 400) return { status: "failed", code };
  return { status: "retry", code, retryAfterMs };
}

/** Whether a failed batch should be split: one invalid event rejects Meta's whole batch. */
export function isInvalidEventError(err: MetaGraphError | undefined): boolean {
  return err?.code !== undefined && INVALID_PARAMETER.has(err.code);
}
