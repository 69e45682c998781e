import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "../platform/log";

/** A client-facing error: `{"error":{"code","message"}}` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. `Retry-After` on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * Register after a path's handlers: any other method answers 405 with the methods it takes in
 * `Allow`, which a 405 must carry (RFC 9110 §15.5.6, https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6).
 */
export function methodNotAllowed(allowed: string[]) {
  return (c: Context) => c.json(errorBody("method_not_allowed", `Use ${allowed.join(", ")}`), 405, { Allow: allowed.join(", ") });
}

/** The single onError of the app: typed errors become their response, anything else a 500. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status, err.headers);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "payload_too_large" : status === 401 ? "unauthorized" : "http_error";
    return c.json(errorBody(code, err.message || "Request failed"), status);
  }
  // A Durable Object that is overloaded or was reset answers with an error marked `overloaded` or
  // `retryable` (https://developers.cloudflare.com/durable-objects/best-practices/error-handling/).
  // 503 with Retry-After tells the platform to send again; a redelivery is deduplicated.
  const flags = err as Error & { overloaded?: unknown; retryable?: unknown };
  if (flags.overloaded === true || flags.retryable === true) {
    log.warn("temporarily_unavailable", { path: new URL(c.req.url).pathname, errorName: err.name });
    // An overloaded object needs its queue to drain before more arrives, not an immediate retry.
    const retryAfter = flags.overloaded === true ? "30" : "1";
    return c.json(errorBody("temporarily_unavailable", "Busy for a moment; send the request again"), 503, { "Retry-After": retryAfter });
  }
  // The message of an unexpected error may carry request data, so only its class is logged.
  log.error("unhandled_error", { path: new URL(c.req.url).pathname, errorName: err.name });
  return c.json(errorBody("internal_error", "Internal error"), 500);
}
