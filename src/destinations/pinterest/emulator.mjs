// Emulation of the Pinterest API for Conversions (`POST /v5/ad_accounts/{ad_account_id}/events`),
// mounted in the sandbox under `/pinterest` (PINTEREST_API_BASE=<sandbox>/pinterest). Loaded by
// sandbox/server.mjs through the destination's folder; also usable as a fetch handler in tests.
//
// Shapes and statuses follow Pinterest's OpenAPI description
// (https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml): 200 with
// `{ num_events_received, num_events_processed, events: [{ status, error_message, warning_message }] }`
// when every event was processed; 422 "Not all events were successfully processed", here with the
// same per-event list in `details` (the description leaves `details` open); 400 (code 4196) for an
// invalid request; 401 (code 2) without a Bearer token or with the token "invalid"; 403 (code 29)
// for ad account 403000; 429 (code 8, Retry-After 60) for ad account 429000. `?test=true` answers the
// same and records nothing, like the API.

export const PINTEREST_NAME = "pinterest";
export const PINTEREST_PREFIX = "/pinterest";
export const PINTEREST_MAX_EVENTS = 1000;

const EVENTS_PATH = /^\/v5\/ad_accounts\/([^/]+)\/events$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
const HASHED_KEYS = ["em", "ph", "external_id", "fn", "ln", "ct", "st", "zp", "country", "ge", "db", "hashed_maids"];
const EVENT_NAMES = new Set([
  "add_payment_info",
  "add_to_cart",
  "add_to_wishlist",
  "app_install",
  "checkout",
  "custom",
  "initiate_checkout",
  "lead",
  "page_visit",
  "search",
  "signup",
  "subscribe",
  "view_category",
  "view_content",
  "watch_video",
]);
const REQUIRED = ["event_name", "action_source", "event_time", "user_data", "event_id"];

/**
 * @param {number} status
 * @param {number} code
 * @param {string} message
 * @param {Record<string, string>} [headers]
 */
function error(status, code, message, headers) {
  return { status, body: { code, message }, ...(headers ? { headers } : {}) };
}

/**
 * Why one event cannot be processed, or undefined.
 * @param {any} e
 * @returns {string | undefined}
 */
function eventProblem(e) {
  const u = e.user_data ?? {};
  for (const key of HASHED_KEYS) {
    if (u[key] === undefined) continue;
    if (!Array.isArray(u[key]) || u[key].some((/** @type {unknown} */ v) => typeof v !== "string" || !SHA256_HEX.test(v))) {
      return `user_data.${key} must be a list of SHA-256 hashes`;
    }
  }
  if (!u.em && !u.hashed_maids && !(u.client_ip_address && u.client_user_agent)) {
    return "user_data needs em, hashed_maids, or client_ip_address with client_user_agent";
  }
  const value = e.custom_data?.value;
  if (value !== undefined && (typeof value !== "string" || Number.isNaN(Number(value))))
    return "custom_data.value must be a number as a string";
  return undefined;
}

/** @type {import("../../../sandbox/server.mjs").ApiModule} */
export const pinterestApi = {
  name: PINTEREST_NAME,
  prefix: PINTEREST_PREFIX,
  baseUrlVar: "PINTEREST_API_BASE",

  handle(req) {
    const match = EVENTS_PATH.exec(req.path);
    if (!match) return error(404, 404, `no such endpoint ${req.path}`);
    if (req.method !== "POST") return error(405, 405, "use POST");
    const auth = req.headers.authorization ?? "";
    if (!/^Bearer \S+/.test(auth) || auth === "Bearer invalid") return error(401, 2, "Authentication failed.");
    if (match[1] === "403000") return error(403, 29, "You are not permitted to access that resource.");
    if (match[1] === "429000") {
      return error(
        429,
        8,
        "This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.",
        { "retry-after": "60" },
      );
    }
    const body = /** @type {any} */ (req.body);
    if (!body || typeof body !== "object" || !Array.isArray(body.data) || body.data.length === 0)
      return error(400, 4196, "The request was invalid.");
    if (body.data.length > PINTEREST_MAX_EVENTS) return error(400, 4196, `data accepts at most ${PINTEREST_MAX_EVENTS} events.`);
    for (const [i, e] of body.data.entries()) {
      if (!e || typeof e !== "object") return error(400, 4196, `data[${i}] must be an object.`);
      const missing = REQUIRED.find((k) => e[k] === undefined || e[k] === null || e[k] === "");
      if (missing) return error(400, 4196, `data[${i}].${missing} is required.`);
      if (!EVENT_NAMES.has(e.event_name)) return error(400, 4196, `data[${i}].event_name is not a Pinterest event.`);
      if (!["web", "app_android", "app_ios", "offline"].includes(e.action_source))
        return error(400, 4196, `data[${i}].action_source is invalid.`);
      if (!Number.isInteger(e.event_time)) return error(400, 4196, `data[${i}].event_time must be Unix seconds.`);
    }
    const events = body.data.map((/** @type {any} */ e) => {
      const problem = eventProblem(e);
      return problem
        ? { status: "failed", error_message: problem, warning_message: null }
        : { status: "processed", error_message: null, warning_message: null };
    });
    const processed = events.filter((/** @type {{ status: string }} */ e) => e.status === "processed").length;
    const summary = { num_events_received: events.length, num_events_processed: processed, events };
    if (processed < events.length) {
      return { status: 422, body: { code: 4196, message: "Not all events were successfully processed.", details: summary } };
    }
    return { status: 200, body: summary };
  },

  describe(req) {
    const body = /** @type {any} */ (req.body);
    return {
      ...(Array.isArray(body?.data) ? { events: body.data.length } : {}),
      ...(req.query.test === "true" ? { testEventCode: "test=true" } : {}),
    };
  },

  faultBody(status) {
    return status === 429
      ? { code: 8, message: "This request exceeded a rate limit." }
      : { code: 4197, message: "The endpoint has been ramped down and is currently not accepting any traffic." };
  },
};

/** The sandbox mounts every module listed here (sandbox/server.mjs). */
export const EMULATOR_APIS = [pinterestApi];
