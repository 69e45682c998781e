// Fault plans for the destination sandbox: make an emulated API fail on purpose, reproducibly.
//
// A plan is an array of rules (or `{ seed, rules }`). For each request to an emulated API the
// first rule that matches and fires decides the answer; without one the emulator answers normally.
//
//   {
//     api?: "meta",                           // only requests to this emulator (default: any)
//     match?: { pathIncludes?: string, method?: string },
//     times?: number,                         // fire for the next n matching requests, then retire
//     rate?: number,                          // fire for this share (0..1) of matching requests,
//                                             //   drawn from the plan's seeded PRNG
//                                             // neither: fire on every matching request
//     response:
//         { status: number, retryAfter?: number, body?: unknown, headers?: Record<string,string> }
//       | { meta_error: { code, subcode?, is_transient?, message?, type?, error_user_title?,
//                         error_user_msg?, status? } }
//       | { timeoutMs: number, then?: <another response> }   // hold the socket, then answer
//       | { malformedJson: true, status?: number }           // a truncated JSON body
//       | { reset: true }                                    // destroy the socket, no answer
//   }

/** @typedef {{ pathIncludes?: string, method?: string }} FaultMatch */
/**
 * @typedef {{ code: number, subcode?: number, is_transient?: boolean, message?: string,
 *   type?: string, error_user_title?: string, error_user_msg?: string, status?: number }} MetaErrorSpec
 */
/**
 * @typedef {{ status: number, retryAfter?: number, body?: unknown, headers?: Record<string, string> }
 *   | { meta_error: MetaErrorSpec }
 *   | { timeoutMs: number, then?: FaultResponse }
 *   | { malformedJson: true, status?: number }
 *   | { reset: true }} FaultResponse
 */
/** @typedef {{ api?: string, match?: FaultMatch, times?: number, rate?: number, response: FaultResponse }} FaultRule */
/** @typedef {FaultRule[] | { seed?: number, rules: FaultRule[] }} FaultPlan */

/**
 * mulberry32: a tiny, fast, well-distributed 32-bit PRNG. Same seed, same sequence.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function createPrng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlanError extends Error {}

/**
 * @param {unknown} response
 * @param {string} where
 * @returns {FaultResponse}
 */
function validateResponse(response, where) {
  if (!response || typeof response !== "object" || Array.isArray(response)) {
    throw new FaultPlanError(`${where}: response must be an object`);
  }
  const r = /** @type {Record<string, unknown>} */ (response);
  if (r.reset === true) return { reset: true };
  if (r.malformedJson === true) {
    if (r.status !== undefined && !isHttpStatus(r.status)) throw new FaultPlanError(`${where}: bad status`);
    return { malformedJson: true, ...(r.status !== undefined ? { status: /** @type {number} */ (r.status) } : {}) };
  }
  if (r.timeoutMs !== undefined) {
    if (typeof r.timeoutMs !== "number" || !(r.timeoutMs >= 0) || r.timeoutMs > 600_000) {
      throw new FaultPlanError(`${where}: timeoutMs must be a number of milliseconds (0..600000)`);
    }
    return {
      timeoutMs: r.timeoutMs,
      ...(r.then !== undefined ? { then: validateResponse(r.then, `${where}.then`) } : {}),
    };
  }
  if (r.meta_error !== undefined) {
    const e = /** @type {Record<string, unknown>} */ (r.meta_error);
    if (!e || typeof e !== "object" || !Number.isInteger(e.code)) {
      throw new FaultPlanError(`${where}: meta_error needs an integer code`);
    }
    if (e.subcode !== undefined && !Number.isInteger(e.subcode)) throw new FaultPlanError(`${where}: bad subcode`);
    if (e.status !== undefined && !isHttpStatus(e.status)) throw new FaultPlanError(`${where}: bad status`);
    return { meta_error: /** @type {MetaErrorSpec} */ (e) };
  }
  if (r.status !== undefined) {
    if (!isHttpStatus(r.status)) throw new FaultPlanError(`${where}: status must be an HTTP status (100..599)`);
    if (r.retryAfter !== undefined && (typeof r.retryAfter !== "number" || r.retryAfter < 0)) {
      throw new FaultPlanError(`${where}: retryAfter must be a number of seconds`);
    }
    return /** @type {FaultResponse} */ (r);
  }
  throw new FaultPlanError(`${where}: response needs one of status, meta_error, timeoutMs, malformedJson or reset`);
}

/** @param {unknown} s */
function isHttpStatus(s) {
  return Number.isInteger(s) && /** @type {number} */ (s) >= 100 && /** @type {number} */ (s) <= 599;
}

/**
 * Validates a plan and returns its rules and seed. Throws FaultPlanError with a readable message.
 * @param {unknown} plan
 * @returns {{ seed: number | undefined, rules: FaultRule[] }}
 */
export function parseFaultPlan(plan) {
  /** @type {unknown} */
  let rules = plan;
  /** @type {number | undefined} */
  let seed;
  if (plan && typeof plan === "object" && !Array.isArray(plan)) {
    const p = /** @type {Record<string, unknown>} */ (plan);
    rules = p.rules ?? p.faults ?? [];
    if (p.seed !== undefined) {
      if (!Number.isInteger(p.seed)) throw new FaultPlanError("seed must be an integer");
      seed = /** @type {number} */ (p.seed);
    }
  }
  if (!Array.isArray(rules)) throw new FaultPlanError("a fault plan is an array of rules (or { seed, rules })");
  return {
    seed,
    rules: rules.map((raw, i) => {
      const where = `rule ${i}`;
      if (!raw || typeof raw !== "object") throw new FaultPlanError(`${where}: must be an object`);
      const rule = /** @type {Record<string, unknown>} */ (raw);
      if (rule.api !== undefined && typeof rule.api !== "string") throw new FaultPlanError(`${where}: api must be a string`);
      if (rule.times !== undefined && (!Number.isInteger(rule.times) || /** @type {number} */ (rule.times) < 1)) {
        throw new FaultPlanError(`${where}: times must be a positive integer`);
      }
      if (rule.rate !== undefined && (typeof rule.rate !== "number" || rule.rate < 0 || rule.rate > 1)) {
        throw new FaultPlanError(`${where}: rate must be a number between 0 and 1`);
      }
      const match = /** @type {Record<string, unknown> | undefined} */ (rule.match);
      if (match !== undefined) {
        if (!match || typeof match !== "object") throw new FaultPlanError(`${where}: match must be an object`);
        if (match.pathIncludes !== undefined && typeof match.pathIncludes !== "string") {
          throw new FaultPlanError(`${where}: match.pathIncludes must be a string`);
        }
        if (match.method !== undefined && typeof match.method !== "string") {
          throw new FaultPlanError(`${where}: match.method must be a string`);
        }
      }
      return /** @type {FaultRule} */ ({
        ...(rule.api !== undefined ? { api: rule.api } : {}),
        ...(match !== undefined ? { match } : {}),
        ...(rule.times !== undefined ? { times: rule.times } : {}),
        ...(rule.rate !== undefined ? { rate: rule.rate } : {}),
        response: validateResponse(rule.response, where),
      });
    }),
  };
}

/**
 * The live fault state of a sandbox: the rules, how many firings each `times` rule has left, and
 * the PRNG for `rate` rules (re-seeded whenever a plan is set).
 */
export class FaultInjector {
  /** @param {number} defaultSeed */
  constructor(defaultSeed) {
    this.defaultSeed = defaultSeed;
    /** @type {Array<FaultRule & { remaining?: number }>} */
    this.rules = [];
    this.seed = defaultSeed;
    this.random = createPrng(defaultSeed);
  }

  /** @param {unknown} plan */
  set(plan) {
    const { seed, rules } = parseFaultPlan(plan);
    this.seed = seed ?? this.defaultSeed;
    this.random = createPrng(this.seed);
    this.rules = rules.map((r) => (r.times !== undefined ? { ...r, remaining: r.times } : { ...r }));
  }

  clear() {
    this.rules = [];
  }

  /** The current plan, with what is left of each `times` rule. */
  describe() {
    return { seed: this.seed, rules: this.rules.map((r) => ({ ...r })) };
  }

  /**
   * Picks the fault for one request, consuming a `times` firing or a PRNG draw as it goes.
   * @param {{ api: string, method: string, path: string }} req
   * @returns {FaultResponse | undefined}
   */
  pick(req) {
    for (const rule of this.rules) {
      if (rule.api !== undefined && rule.api !== req.api) continue;
      if (rule.match?.pathIncludes !== undefined && !req.path.includes(rule.match.pathIncludes)) continue;
      if (rule.match?.method !== undefined && rule.match.method.toUpperCase() !== req.method) continue;
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (rule.rate !== undefined && !(this.random() < rule.rate)) continue;
      if (rule.remaining !== undefined) rule.remaining -= 1;
      return rule.response;
    }
    return undefined;
  }
}
