import type { ItemOutcome } from "../types";

/**
 * Meta Graph API error → retry class. Pure.
 *
 * Codes and recovery tactics: https://developers.facebook.com/docs/graph-api/guides/error-handling
 * (190 / 102 "get a new access token", 3 "capability or permission", 10 and 200–299 "permission
 * not granted or removed", 1, 2, 4, 17, 341, 368 "wait and retry"), Marketing API throttling:
 * https://developers.facebook.com/docs/marketing-api/error-reference (80000–80999, 613).
 *
 * Credential, permission and setup errors hold the lane (its deliveries stay queued until the
 * tenant fixes it); throttling, transient codes, HTTP 408/409/425/429/5xx and network errors are
 * retried; an invalid event fails alone. Unknown codes are retried (bounded by the 24 h window),
 * because a lost conversion costs more than a few wasted retries.
 */
const THROTTLING = new Set([4, 17, 32, 341, 613]);
const TRANSIENT = new Set([1, 2, 368, 5000]);
const INVALID_PARAMETER = new Set([100, 105]);
/** "Unsupported post request. Object … does not exist, cannot be loaded due to missing permissions" (a wrong pixel id). */
const UNKNOWN_OBJECT_SUBCODE = 33;
/** A call to a retired Graph/Marketing API version. */
const DEPRECATED_VERSION = 2635;
/** Request Timeout, Conflict, Too Early, Too Many Requests (RFC 9110 §15.5.9, §15.5.10; RFC 8470 §5.2; RFC 6585 §4). */
const RETRY_HTTP = new Set([408, 409, 425, 429]);

export interface MetaGraphError {
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  type?: string;
  error_user_msg?: string;
  error_data?: unknown;
}

export function metaErrorCode(err: MetaGraphError | undefined, httpStatus: number): string {
  if (!err?.code) return `http_${httpStatus}`;
  return err.error_subcode ? `meta_${err.code}_${err.error_subcode}` : `meta_${err.code}`;
}

/** What the tenant must do, for errors that only they can fix (fixed text: no ids, no tokens). */
function holdMessage(err: MetaGraphError): string | undefined {
  const n = err.code;
  if (n === 190 || n === 102)
    return "Meta rejected the access token (expired, revoked or invalid): update the destination with a new Conversions API access token.";
  if (n === 104) return "Meta received no access token: update the destination with a Conversions API access token.";
  if (n === 3 || n === 10 || (n !== undefined && n >= 200 && n <= 299)) {
    return "The access token lacks a permission the Conversions API needs for this pixel: grant it (or use a token of a system user with access to the pixel), then update the destination.";
  }
  // "You are calling a deprecated version of the Ads API. Please update to the latest version."
  // (error 2635 in the Marketing API references, e.g.
  // https://developers.facebook.com/docs/marketing-api/reference/ad-account/); once a version's
  // grace period ends every call to it fails (https://developers.facebook.com/docs/marketing-api/versions).
  if (n === DEPRECATED_VERSION) {
    return "Meta no longer serves the Graph API version this destination uses: remove the destination's apiVersion setting (or set a supported one) and update the destination; without a pin the version is the operator's META_API_VERSION, which may need raising.";
  }
  if (n === 100 && err.error_subcode === UNKNOWN_OBJECT_SUBCODE) {
    return "Meta does not know this pixel id, or the token may not use it: check pixelId and the token's access to the pixel, then update the destination.";
  }
  return undefined;
}

export function classifyMetaError(httpStatus: number, err: MetaGraphError | undefined, retryAfterMs?: number): ItemOutcome {
  const code = metaErrorCode(err, httpStatus);
  const n = err?.code;
  if (err && n !== undefined) {
    const message = holdMessage(err);
    if (message) return { status: "hold", code, message };
    if (THROTTLING.has(n) || (n >= 80000 && n < 81000)) return { status: "retry", code, retryAfterMs };
    if (TRANSIENT.has(n)) return { status: "retry", code, retryAfterMs };
  }
  if (RETRY_HTTP.has(httpStatus) || httpStatus >= 500 || err?.is_transient) return { status: "retry", code, retryAfterMs };
  if (n !== undefined && INVALID_PARAMETER.has(n)) return { status: "failed", code };
  if (n === undefined && httpStatus >= 400) return { status: "failed", code };
  return { status: "retry", code, retryAfterMs };
}

/**
 * Whether the error concerns events in the batch (so the batch may be split to isolate them):
 * an invalid parameter, never a request-level 100/33 about the pixel itself.
 */
export function isInvalidEventError(err: MetaGraphError | undefined): boolean {
  return err?.code !== undefined && INVALID_PARAMETER.has(err.code) && err.error_subcode !== UNKNOWN_OBJECT_SUBCODE;
}

/**
 * The index of the event Meta blames, when the error names one: `error_data` (an object or its
 * JSON string) with `blame_field_specs` like `[["data", 3, "user_data"]]` or an `event_index`, or
 * an `error_user_msg` pointing at `data[3]` / "event index 3". Undefined when it names none.
 */
export function blamedEventIndex(err: MetaGraphError | undefined, count: number): number | undefined {
  if (!err) return undefined;
  const valid = (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 0 && n < count ? n : undefined);
  let data = err.error_data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      data = undefined;
    }
  }
  if (data && typeof data === "object") {
    const d = data as { event_index?: unknown; blame_field_specs?: unknown };
    const direct = valid(typeof d.event_index === "string" ? Number(d.event_index) : d.event_index);
    if (direct !== undefined) return direct;
    if (Array.isArray(d.blame_field_specs)) {
      for (const spec of d.blame_field_specs) {
        if (Array.isArray(spec) && spec[0] === "data") {
          const i = valid(typeof spec[1] === "string" ? Number(spec[1]) : spec[1]);
          if (i !== undefined) return i;
        }
      }
    }
  }
  const msg = typeof err.error_user_msg === "string" ? err.error_user_msg : "";
  const m = /\bdata\[(\d+)\]|\bevent(?:s)?\s*(?:index|#)\s*:?\s*(\d+)/i.exec(msg);
  return m ? valid(Number(m[1] ?? m[2])) : undefined;
}
