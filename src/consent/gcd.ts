import type { ConsentState, GcmType } from "../events/conversion";

/** One Consent Mode signal split by where it was set; absent means "not set". */
export interface GcmLevels {
  default?: ConsentState;
  update?: ConsentState;
}

export type GcmSignalsLevels = Record<GcmType, GcmLevels>;

const BASE64URL = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

// Field values of the bit rule (Analytics Debugger's sGTM "Google Consent Parser" template;
// Google documents no spec). 0 has no documented meaning, so a letter that
// carries it is malformed rather than guessed at.
function fieldState(v: number): ConsentState | undefined | null {
  if (v === 1) return undefined;
  if (v === 2) return "denied";
  if (v === 3) return "granted";
  return null;
}

/**
 * Decodes one `gcd` letter by its bit rule (default = (i >> 2) & 3,
 * update = i & 3), not by the blog tables, several of which are wrong. Null when malformed or
 * outside the known alphabet.
 */
export function decodeGcdLetter(letter: string): GcmLevels | null {
  if (letter.length !== 1) return null;
  const i = BASE64URL.indexOf(letter);
  // Every documented letter (l m n p q r t u v) sits at 16–31: bit 4 set, nothing above it. The
  // masks below would read other letters too ('L' as granted/granted), so those are malformed.
  if (i >> 4 !== 1) return null;
  const def = fieldState((i >> 2) & 3);
  const upd = fieldState(i & 3);
  if (def === null || upd === null) return null;
  const out: GcmLevels = {};
  if (def) out.default = def;
  if (upd) out.update = upd;
  return out;
}

// `1` + 4 × (digit, letter) + a digit, then an optional undocumented suffix.
const GCD_SHAPE = /^1(?:[0-9][0-9A-Za-z_-]){4}[0-9][0-9A-Za-z_-]*$/;
const GCD_ORDER: GcmType[] = ["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"];

/** Decodes a raw `gcd` hit parameter; null when it does not have the documented shape. */
export function decodeGcd(gcd: string): GcmSignalsLevels | null {
  if (!GCD_SHAPE.test(gcd)) return null;
  const out = {} as GcmSignalsLevels;
  for (const [n, type] of GCD_ORDER.entries()) {
    const levels = decodeGcdLetter(gcd.charAt(2 + 2 * n));
    if (!levels) return null;
    out[type] = levels;
  }
  return out;
}

/**
 * Decodes `gcs` (`G1xy`: x = ad_storage, y = analytics_storage; `-` = not required). It carries
 * only the effective state, so nothing tells a user's choice from a page default.
 */
export function decodeGcs(gcs: string): { ad_storage?: ConsentState; analytics_storage?: ConsentState } | null {
  const m = /^G1([01-])([01-])$/.exec(gcs);
  if (!m) return null;
  const state = (c: string | undefined): ConsentState | undefined => (c === "1" ? "granted" : c === "0" ? "denied" : undefined);
  const out: { ad_storage?: ConsentState; analytics_storage?: ConsentState } = {};
  const ad = state(m[1]);
  const analytics = state(m[2]);
  if (ad) out.ad_storage = ad;
  if (analytics) out.analytics_storage = analytics;
  return out;
}
