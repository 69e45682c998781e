// Emulation of Meta's Conversions API (Graph API `POST /{version}/{pixelId}/events`), mounted under
// `/meta` so a relay with `META_API_BASE=<sandbox>/meta` talks to it unchanged.
//
// What it mirrors (https://developers.facebook.com/docs/marketing-api/conversions-api):
// - auth by `Authorization: Bearer`, `?access_token=` or body `access_token`;
// - JSON bodies and form-encoded bodies (`data=<JSON string>`), as Graph accepts both;
// - `data` of 1..1000 events; ONE invalid event rejects the whole request (no partial success);
// - the documented success body and the Graph error envelope.
//
// Observed Graph behaviour it copies (public live captures, 2026):
// - no token at all: HTTP 400, code 104 "An access token is required to request this resource."
//   (Graph answers 104 here, not 190);
// - an unparseable token: HTTP 401, code 190 "Invalid OAuth access token - Cannot parse access token".
//   The sandbox treats the token "invalid" that way; every other token is accepted;
// - event older than 7 days: HTTP 400, code 100, subcode 2804003, the exact title and message below.
//
// Subcodes: 2804003 (too old) is verified; 2804001 (fbc format) comes from the reference notes;
// 2804050 ("insufficient customer information") is seen in public integrations. The other code-100
// subcodes in META_SUBCODES are this emulator's own choice: Meta documents no table. A relay must
// treat any code 100 as a permanent rejection whatever the subcode.
//
// Objects and versions: Graph answers a pixel id it does not know (or the token may not use) with
// code 100, subcode 33, "Unsupported post request. Object with ID … does not exist, cannot be
// loaded due to missing permissions, or does not support this operation" (GraphMethodException).
// The sandbox knows every numeric pixel id except those starting with UNKNOWN_PIXEL_PREFIX ("999"),
// which it answers that way. A version older than OLDEST_SERVED_VERSION answers code 2635 "You are
// calling a deprecated version of the Ads API. Please update to the latest version."
// (https://developers.facebook.com/docs/marketing-api/reference/ad-account/, error codes).
//
// Deliberately stricter than Graph (so relay bugs show up): Graph has been seen to accept a
// website event without `client_user_agent`; the documentation requires it, so the sandbox does.

import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { META_ACTION_SOURCES } from "../src/destinations/meta/action-sources.mjs";

export const META_API_NAME = "meta";
export const META_PREFIX = "/meta";

export const META_SUBCODES = Object.freeze({
  /** verified: "Event Timestamp Too Old" */
  EVENT_TOO_OLD: 2804003,
  /** Graph error: click id (fbc) incorrectly formatted */
  INVALID_FBC: 2804001,
  /** seen in public integrations: not enough customer information parameters */
  INSUFFICIENT_CUSTOMER_INFO: 2804050,
  // emulator-assigned meanings:
  INVALID_EVENT_TIME: 2804004,
  INVALID_ACTION_SOURCE: 2804007,
  MISSING_PARAMETER: 2804008,
  INVALID_USER_DATA: 2804016,
  INVALID_EVENT_SOURCE_URL: 2804017,
  INVALID_CUSTOM_DATA: 2804019,
});

/** @type {readonly string[]} */
export const ACTION_SOURCES = META_ACTION_SOURCES;

/** user_data keys Meta requires to be SHA-256 hashed (lowercase hex). */
export const HASHED_USER_DATA_KEYS = Object.freeze(["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "db", "ge"]);

/** Every customer information parameter (for the "at least one" and baseline-matching rules). */
const CUSTOMER_INFO_KEYS = [
  ...HASHED_USER_DATA_KEYS,
  "external_id",
  "client_ip_address",
  "client_user_agent",
  "fbc",
  "fbp",
  "subscription_id",
  "fb_login_id",
  "lead_id",
  "anon_id",
  "madid",
  "page_id",
  "ctwa_clid",
];

/** Meta best practices: an event whose only customer parameters are (a subset of) one of these is invalid. */
const WEAK_CUSTOMER_INFO_SETS = [
  ["ct", "country", "st", "zp", "ge", "client_user_agent"],
  ["db", "client_user_agent"],
  ["fn", "ge"],
  ["ln", "ge"],
];

export const MAX_EVENTS_PER_REQUEST = 1000;
export const MAX_EVENT_AGE_SECONDS = 7 * 24 * 60 * 60;
export const MAX_FUTURE_SKEW_SECONDS = 60;
/** An event_time above this is not Unix seconds (it would be after the year 5138): milliseconds. */
const MS_LOOKING_THRESHOLD = 100_000_000_000;

const HASH_RE = /^[0-9a-f]{64}$/;
const FBC_RE = /^fb\.\d+\.\d{13}\.\S+$/;
const VERSION_RE = /^v\d+\.\d+$/;
/** Pixel ids the sandbox does not know (see the header). */
export const UNKNOWN_PIXEL_PREFIX = "999";
/** Graph versions before this major one are retired (see the header). */
export const OLDEST_SERVED_VERSION = 22;
const CURRENCIES = new Set(
  /** @type {string[]} */ (typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : []),
);

/**
 * @typedef {{ method: string, path: string, query: Record<string, string>,
 *   headers: Record<string, string>, contentType: string, body: unknown, bodyError?: string }} ApiRequest
 *   `path` is relative to the module's prefix; `body` is parsed JSON, a form as an object, or text.
 * @typedef {{ status: number, headers?: Record<string, string>, body: unknown }} ApiResponse
 * @typedef {{ now: () => number }} ApiContext  `now()` in epoch milliseconds
 * @typedef {{ events?: number, testEventCode?: string, body?: unknown }} ApiSummary
 */

/** Graph's trace id: 23 url-safe characters. */
export function fbtraceId() {
  return randomBytes(17).toString("base64url").slice(0, 23);
}

/**
 * A Graph error answer. Fields left undefined are omitted, as Graph omits them.
 * @param {number} status
 * @param {{ message: string, type?: string, code: number, error_subcode?: number, is_transient?: boolean,
 *   error_user_title?: string, error_user_msg?: string }} error
 * @returns {ApiResponse}
 */
export function graphError(status, error) {
  /** @type {Record<string, unknown>} */
  const body = { message: error.message, type: error.type ?? "OAuthException", code: error.code };
  for (const key of /** @type {const} */ (["error_subcode", "is_transient", "error_user_title", "error_user_msg"])) {
    if (error[key] !== undefined) body[key] = error[key];
  }
  body.fbtrace_id = fbtraceId();
  return { status, body: { error: body } };
}

/**
 * The answer for a `meta_error` fault. HTTP status: `status` when given; otherwise 500 when the
 * error is transient (`is_transient: true`, or codes 1 "unknown error" and 2 "service temporarily
 * unavailable", which Graph serves as server errors), else 400 like every other Graph error.
 * @param {import("./faults.mjs").MetaErrorSpec} spec
 * @returns {ApiResponse}
 */
export function metaErrorResponse(spec) {
  const transient = spec.is_transient ?? (spec.code === 1 || spec.code === 2);
  const status = spec.status ?? (transient || spec.code === 1 || spec.code === 2 ? 500 : 400);
  return graphError(status, {
    message: spec.message ?? DEFAULT_MESSAGES[spec.code] ?? "An unknown error occurred",
    type: spec.type ?? "OAuthException",
    code: spec.code,
    error_subcode: spec.subcode,
    is_transient: transient,
    error_user_title: spec.error_user_title,
    error_user_msg: spec.error_user_msg,
  });
}

/** @type {Record<number, string>} */
const DEFAULT_MESSAGES = {
  1: "An unknown error occurred",
  2: "An unexpected error has occurred. Please retry your request later.",
  4: "(#4) Application request limit reached",
  10: "(#10) Application does not have permission for this action",
  17: "(#17) User request limit reached",
  32: "(#32) Page request limit reached",
  100: "Invalid parameter",
  104: "An access token is required to request this resource.",
  190: "Invalid OAuth access token - Cannot parse access token",
  200: "(#200) Permissions error",
  341: "(#341) Application limit reached",
  368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
  613: "(#613) Calls to this api have exceeded the rate limit.",
};

/**
 * @param {number} subcode
 * @param {string} title
 * @param {string} message
 */
function invalidParameter(subcode, title, message) {
  return graphError(400, {
    message: "Invalid parameter",
    code: 100,
    error_subcode: subcode,
    is_transient: false,
    error_user_title: title,
    error_user_msg: message,
  });
}

/** @param {string} message */
function paramError(message) {
  return graphError(400, { message, code: 100, is_transient: false });
}

/** @param {string} id @param {string} method */
function unsupportedRequest(id, method) {
  return graphError(400, {
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to ` +
      "missing permissions, or does not support this operation. Please read the Graph API documentation at " +
      "https://developers.facebook.com/docs/graph-api",
    type: "GraphMethodException",
    code: 100,
    error_subcode: 33,
  });
}

/**
 * The request body as an object: JSON, or a form whose `data` holds a JSON string.
 * @param {ApiRequest} req
 * @returns {Record<string, unknown> | undefined}
 */
function bodyObject(req) {
  const b = req.body;
  return b && typeof b === "object" && !Array.isArray(b) ? /** @type {Record<string, unknown>} */ (b) : undefined;
}

/**
 * @param {ApiRequest} req
 * @returns {{ data: unknown, dataError?: string, testEventCode: unknown }}
 */
function extract(req) {
  const body = bodyObject(req) ?? {};
  let data = body.data ?? req.query.data;
  /** @type {string | undefined} */
  let dataError;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      dataError = "(#100) param data must be an array.";
    }
  }
  return { data, dataError, testEventCode: body.test_event_code ?? req.query.test_event_code };
}

/**
 * The token, from (in Graph's order of preference) the body, the query or the Authorization header.
 * @param {ApiRequest} req
 * @returns {string | undefined}
 */
function accessToken(req) {
  const body = bodyObject(req);
  if (body && typeof body.access_token === "string" && body.access_token !== "") return body.access_token;
  if (req.query.access_token) return req.query.access_token;
  const auth = req.headers.authorization ?? "";
  const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(auth);
  return m ? m[1] : undefined;
}

/**
 * What the sandbox logs and shows: event count and test_event_code, and the body with `data`
 * parsed when it arrived as a JSON string (form encoding).
 * @param {ApiRequest} req
 * @returns {ApiSummary}
 */
export function describeMetaRequest(req) {
  const { data, testEventCode } = extract(req);
  const body = bodyObject(req);
  return {
    ...(Array.isArray(data) ? { events: data.length } : {}),
    ...(typeof testEventCode === "string" ? { testEventCode } : {}),
    ...(body && typeof body.data === "string" && Array.isArray(data) ? { body: { ...body, data } } : {}),
  };
}

/**
 * @param {ApiRequest} req
 * @param {ApiContext} ctx
 * @returns {ApiResponse}
 */
export function handleMetaRequest(req, ctx) {
  // Graph checks the token before it looks at the object.
  const token = accessToken(req);
  if (token === undefined) {
    return graphError(400, { message: DEFAULT_MESSAGES[104] ?? "", code: 104 });
  }
  if (token === "invalid") {
    return graphError(401, { message: DEFAULT_MESSAGES[190] ?? "", code: 190 });
  }

  const segments = req.path.split("/").filter((s) => s !== "");
  const [version, pixelId, edge] = segments;
  if (version === undefined) return unsupportedRequest("", req.method);
  if (!VERSION_RE.test(version)) {
    // Without a version prefix Graph reads the first segment as an object id.
    return unsupportedRequest(version, req.method);
  }
  if (Number(version.slice(1).split(".")[0]) < OLDEST_SERVED_VERSION) {
    return graphError(400, {
      message: "(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version.",
      code: 2635,
    });
  }
  if (pixelId === undefined) return unsupportedRequest(version, req.method);
  if (!/^\d+$/.test(pixelId) || pixelId.startsWith(UNKNOWN_PIXEL_PREFIX)) return unsupportedRequest(pixelId, req.method);
  if (edge !== "events" || segments.length !== 3) {
    return graphError(400, { message: `Unknown path components: /${segments.slice(2).join("/")}`, code: 2500 });
  }
  if (req.method !== "POST") return unsupportedRequest(pixelId, req.method);

  if (req.bodyError) return paramError(`(#100) ${req.bodyError}`);
  const { data, dataError, testEventCode } = extract(req);
  if (dataError) return paramError(dataError);
  if (data === undefined || data === null) return paramError("(#100) The parameter data is required");
  if (!Array.isArray(data)) return paramError("(#100) param data must be an array.");
  if (data.length === 0) return paramError("(#100) param data must be an array with at least one event.");
  if (data.length > MAX_EVENTS_PER_REQUEST) {
    return paramError(`(#100) param data must have at most ${MAX_EVENTS_PER_REQUEST} events.`);
  }
  if (testEventCode !== undefined && typeof testEventCode !== "string") {
    return paramError("(#100) param test_event_code must be a string.");
  }

  const nowSeconds = Math.floor(ctx.now() / 1000);
  for (let i = 0; i < data.length; i++) {
    const rejection = validateEvent(data[i], i, nowSeconds);
    if (rejection) return rejection; // one bad event rejects the whole batch
  }
  return { status: 200, body: { events_received: data.length, messages: [], fbtrace_id: fbtraceId() } };
}

/**
 * @param {unknown} raw
 * @param {number} i
 * @param {number} nowSeconds
 * @returns {ApiResponse | undefined}
 */
export function validateEvent(raw, i, nowSeconds) {
  const at = `(data[${i}])`;
  const missing = (/** @type {string} */ field) =>
    invalidParameter(META_SUBCODES.MISSING_PARAMETER, "Missing Parameter", `The parameter ${field} is required ${at}.`);
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return paramError(`(#100) Each element of param data must be an object ${at}.`);
  }
  const ev = /** @type {Record<string, unknown>} */ (raw);

  if (typeof ev.event_name !== "string" || ev.event_name.trim() === "") return missing("event_name");

  if (ev.event_time === undefined || ev.event_time === null || ev.event_time === "") return missing("event_time");
  const t = typeof ev.event_time === "string" && /^\d+$/.test(ev.event_time) ? Number(ev.event_time) : ev.event_time;
  const badTime = (/** @type {string} */ why) =>
    invalidParameter(
      META_SUBCODES.INVALID_EVENT_TIME,
      "Invalid Event Time",
      `The event_time parameter is invalid, in the future or not in the correct Unix format: ${why} ${at}.`,
    );
  if (typeof t !== "number" || !Number.isSafeInteger(t) || t <= 0) {
    return badTime("it must be an integer Unix timestamp in seconds");
  }
  if (t >= MS_LOOKING_THRESHOLD) return badTime("it looks like milliseconds; send Unix seconds");
  if (t > nowSeconds + MAX_FUTURE_SKEW_SECONDS) return badTime("it is in the future");
  if (t < nowSeconds - MAX_EVENT_AGE_SECONDS) {
    // Verbatim from Graph.
    return invalidParameter(
      META_SUBCODES.EVENT_TOO_OLD,
      "Event Timestamp Too Old",
      "The timestamp for this event is too far in the past. Events need to be sent from your server within 7 " +
        "days of when they occurred. Enter a timestamp that has occurred within the last 7 days.",
    );
  }

  if (ev.action_source === undefined || ev.action_source === null || ev.action_source === "") {
    return missing("action_source");
  }
  if (typeof ev.action_source !== "string" || !ACTION_SOURCES.includes(ev.action_source)) {
    return invalidParameter(
      META_SUBCODES.INVALID_ACTION_SOURCE,
      "Invalid Action Source",
      `action_source must be one of ${ACTION_SOURCES.join(", ")} ${at}.`,
    );
  }

  if (ev.user_data === undefined || ev.user_data === null) return missing("user_data");
  if (typeof ev.user_data !== "object" || Array.isArray(ev.user_data)) {
    return invalidParameter(META_SUBCODES.INVALID_USER_DATA, "Invalid User Data", `user_data must be an object ${at}.`);
  }
  const ud = /** @type {Record<string, unknown>} */ (ev.user_data);

  if (ev.action_source === "website") {
    if (ev.event_source_url === undefined || ev.event_source_url === "") return missing("event_source_url");
    if (typeof ev.event_source_url !== "string" || !/^https?:\/\/\S+$/i.test(ev.event_source_url)) {
      return invalidParameter(
        META_SUBCODES.INVALID_EVENT_SOURCE_URL,
        "Invalid Event Source URL",
        `event_source_url must be an http(s) URL ${at}.`,
      );
    }
    if (typeof ud.client_user_agent !== "string" || ud.client_user_agent === "") {
      return missing("user_data.client_user_agent (required for website events)");
    }
  }

  const userDataRejection = validateUserData(ud, at);
  if (userDataRejection) return userDataRejection;

  if (ev.custom_data !== undefined && (typeof ev.custom_data !== "object" || ev.custom_data === null || Array.isArray(ev.custom_data))) {
    return invalidParameter(META_SUBCODES.INVALID_CUSTOM_DATA, "Invalid Custom Data", `custom_data must be an object ${at}.`);
  }
  const cd = /** @type {Record<string, unknown>} */ (ev.custom_data ?? {});
  if (ev.event_name === "Purchase") {
    if (typeof cd.value !== "number" || !Number.isFinite(cd.value)) {
      return invalidParameter(
        META_SUBCODES.INVALID_CUSTOM_DATA,
        "Missing Value for Purchase",
        `Purchase events require custom_data.value as a number ${at}.`,
      );
    }
    if (cd.currency === undefined) {
      return invalidParameter(
        META_SUBCODES.INVALID_CUSTOM_DATA,
        "Missing Currency for Purchase",
        `Purchase events require custom_data.currency ${at}.`,
      );
    }
  }
  if (cd.value !== undefined && (typeof cd.value !== "number" || !Number.isFinite(cd.value))) {
    return invalidParameter(META_SUBCODES.INVALID_CUSTOM_DATA, "Invalid Value", `custom_data.value must be a number ${at}.`);
  }
  if (cd.currency !== undefined && !isCurrency(cd.currency)) {
    // Graph accepts lowercase codes ("chf"), so the sandbox does too.
    return invalidParameter(
      META_SUBCODES.INVALID_CUSTOM_DATA,
      "Invalid Currency Code",
      `custom_data.currency must be a three-letter ISO 4217 code ${at}.`,
    );
  }

  if (ev.data_processing_options !== undefined) {
    const dpo = ev.data_processing_options;
    if (!Array.isArray(dpo) || dpo.some((o) => typeof o !== "string")) {
      return paramError(`(#100) param data_processing_options must be an array of strings ${at}.`);
    }
  }
  if (ev.opt_out !== undefined && typeof ev.opt_out !== "boolean") {
    return paramError(`(#100) param opt_out must be a boolean ${at}.`);
  }
  return undefined;
}

/** @param {unknown} c */
function isCurrency(c) {
  if (typeof c !== "string" || !/^[A-Za-z]{3}$/.test(c)) return false;
  return CURRENCIES.size === 0 || CURRENCIES.has(c.toUpperCase());
}

/**
 * @param {Record<string, unknown>} ud
 * @param {string} at
 * @returns {ApiResponse | undefined}
 */
function validateUserData(ud, at) {
  for (const key of HASHED_USER_DATA_KEYS) {
    if (ud[key] === undefined) continue;
    const values = Array.isArray(ud[key]) ? /** @type {unknown[]} */ (ud[key]) : [ud[key]];
    for (const v of values) {
      if (typeof v === "string" && HASH_RE.test(v)) continue;
      const hint =
        typeof v === "string" && /^[0-9A-Fa-f]{64}$/.test(v)
          ? "use lowercase hex"
          : "it looks unhashed or malformed; hash the normalized value";
      return invalidParameter(
        META_SUBCODES.INVALID_USER_DATA,
        "Invalid Customer Information Parameter",
        `user_data.${key} must be a SHA-256 hash of 64 lowercase hexadecimal characters: ${hint} ${at}.`,
      );
    }
  }
  if (ud.fbc !== undefined && (typeof ud.fbc !== "string" || !FBC_RE.test(ud.fbc))) {
    return invalidParameter(
      META_SUBCODES.INVALID_FBC,
      "Invalid fbc Parameter",
      `user_data.fbc must be formatted fb.<subdomainIndex>.<creationTimeMs>.<fbclid> ${at}.`,
    );
  }
  if (ud.client_ip_address !== undefined && (typeof ud.client_ip_address !== "string" || isIP(ud.client_ip_address) === 0)) {
    return invalidParameter(
      META_SUBCODES.INVALID_USER_DATA,
      "Invalid IP Address",
      `user_data.client_ip_address must be a valid IPv4 or IPv6 address ${at}.`,
    );
  }
  const present = CUSTOMER_INFO_KEYS.filter((k) => {
    const v = ud[k];
    return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
  });
  if (present.length === 0 || WEAK_CUSTOMER_INFO_SETS.some((set) => present.every((k) => set.includes(k)))) {
    return invalidParameter(
      META_SUBCODES.INSUFFICIENT_CUSTOMER_INFO,
      "Insufficient Customer Information",
      `You haven't added sufficient customer information parameter data for this event ${at}.`,
    );
  }
  return undefined;
}

/**
 * The body of a plain `{ status }` fault when the plan gives none: Graph's throttling error for
 * 429, its "retry later" error for 5xx, a generic code-1 error otherwise.
 * @param {number} status
 * @returns {unknown}
 */
export function metaFaultBody(status) {
  if (status === 429) return metaErrorResponse({ code: 4, is_transient: true, status }).body;
  if (status >= 500) return metaErrorResponse({ code: 2, is_transient: true, status }).body;
  return metaErrorResponse({ code: 1, status }).body;
}

/** @type {import("./server.mjs").ApiModule} */
export const metaApi = {
  name: META_API_NAME,
  prefix: META_PREFIX,
  handle: handleMetaRequest,
  describe: describeMetaRequest,
  errorResponse: metaErrorResponse,
  faultBody: metaFaultBody,
};
