// Emulation of TikTok's Events API 2.0 web endpoint (`POST /open_api/v1.3/event/track/`), mounted
// in the sandbox under `/tiktok` (TIKTOK_API_BASE=<sandbox>/tiktok). Loaded by sandbox/server.mjs
// through the destination's folder; also usable as a fetch handler in tests.
//
// It answers like the Business API does: HTTP 200 with `{ code, message, request_id, data }`, code 0
// for success (https://business-api.tiktok.com/portal/docs?id=1771101303285761) and the Marketing API
// return codes otherwise (https://business-api.tiktok.com/portal/docs?id=1737172488964097):
// 40105 for a missing or refused access token (the token "invalid" is refused), 40001 for a pixel
// the token may not use (pixel code "FORBIDDEN0000"), 40002 for an invalid request or event (the
// whole request fails, naming the event), 40100 when throttled (pixel code "RATELIMIT000", or a
// sandbox fault plan answering HTTP 429).

export const TIKTOK_NAME = "tiktok";
export const TIKTOK_PREFIX = "/tiktok";
export const TIKTOK_TRACK_PATH = "/open_api/v1.3/event/track/";
export const TIKTOK_MAX_EVENTS = 1000;

const SHA256_HEX = /^[a-f0-9]{64}$/;
const HASHED_USER_KEYS = ["email", "phone", "external_id"];

let sequence = 0;

/**
 * @param {number} code
 * @param {string} message
 * @returns {{ status: number, body: unknown }}
 */
function answer(code, message) {
  sequence += 1;
  return { status: 200, body: { code, message, request_id: `sandbox-tiktok-${sequence}`, data: {} } };
}

/**
 * Why one event is invalid, or undefined.
 * @param {unknown} event
 * @param {number} index
 * @param {number} nowSeconds
 * @returns {string | undefined}
 */
function eventProblem(event, index, nowSeconds) {
  if (!event || typeof event !== "object") return `data[${index}] must be an object`;
  const e = /** @type {Record<string, any>} */ (event);
  if (typeof e.event !== "string" || e.event === "") return `data[${index}].event is required`;
  if (!Number.isInteger(e.event_time)) return `data[${index}].event_time must be a Unix timestamp in seconds`;
  if (e.event_time > nowSeconds + 300) return `data[${index}].event_time is in the future`;
  const user = e.user ?? {};
  if (typeof user !== "object") return `data[${index}].user must be an object`;
  for (const key of HASHED_USER_KEYS) {
    const values = Array.isArray(user[key]) ? user[key] : user[key] === undefined ? [] : [user[key]];
    if (values.some((/** @type {unknown} */ v) => typeof v !== "string" || !SHA256_HEX.test(v))) {
      return `data[${index}].user.${key} must be SHA-256 hashed (64 lowercase hex)`;
    }
  }
  const props = e.properties ?? {};
  if (props.value !== undefined && typeof props.value !== "number") return `data[${index}].properties.value must be a number`;
  if (props.currency !== undefined && !/^[A-Z]{3}$/.test(props.currency))
    return `data[${index}].properties.currency must be an ISO 4217 code`;
  return undefined;
}

/** @type {import("../../../sandbox/server.mjs").ApiModule} */
export const tiktokApi = {
  name: TIKTOK_NAME,
  prefix: TIKTOK_PREFIX,
  baseUrlVar: "TIKTOK_API_BASE",

  handle(req, ctx) {
    if (req.path !== TIKTOK_TRACK_PATH) return { status: 404, body: { code: 40404, message: `no such endpoint ${req.path}` } };
    if (req.method !== "POST") return { status: 405, body: { code: 40002, message: "use POST" } };
    const token = req.headers["access-token"];
    if (!token) return answer(40105, "Access token is missing.");
    if (token === "invalid") return answer(40105, "The access token is invalid or has been revoked.");
    const body = /** @type {Record<string, any> | undefined} */ (req.body && typeof req.body === "object" ? req.body : undefined);
    if (!body) return answer(40002, "The request body must be a JSON object.");
    if (body.event_source !== "web")
      return answer(40002, "event_source must be one of web, app, offline, crm; this endpoint is emulated for web.");
    if (typeof body.event_source_id !== "string" || body.event_source_id === "") return answer(40002, "event_source_id is required.");
    if (body.event_source_id === "FORBIDDEN0000") return answer(40001, "No permission to operate this pixel.");
    if (body.event_source_id === "RATELIMIT000") return answer(40100, "Too many requests. Please retry later.");
    if (!Array.isArray(body.data) || body.data.length === 0) return answer(40002, "data must be a non-empty array.");
    if (body.data.length > TIKTOK_MAX_EVENTS) return answer(40002, `data accepts at most ${TIKTOK_MAX_EVENTS} events.`);
    const nowSeconds = Math.floor(ctx.now() / 1000);
    for (let i = 0; i < body.data.length; i++) {
      const problem = eventProblem(body.data[i], i, nowSeconds);
      if (problem) return answer(40002, problem);
    }
    return answer(0, "OK");
  },

  describe(req) {
    const body = /** @type {Record<string, any> | undefined} */ (req.body && typeof req.body === "object" ? req.body : undefined);
    return {
      ...(Array.isArray(body?.data) ? { events: body.data.length } : {}),
      ...(typeof body?.test_event_code === "string" ? { testEventCode: body.test_event_code } : {}),
    };
  },

  faultBody(status) {
    return status === 429 ? { code: 40100, message: "Too many requests. Please retry later." } : { code: 50000, message: "System error." };
  },
};

/** The sandbox mounts every module listed here (sandbox/server.mjs). */
export const EMULATOR_APIS = [tiktokApi];
