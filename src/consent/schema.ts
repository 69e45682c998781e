import { z } from "zod";
import { EXPLICIT_CONSENT_FLAGS } from "../destinations/registry";
import type { ConsentInput, ConsentState, GcmType } from "../events/conversion";

/**
 * Consent input is read without rejecting the request: a malformed consent value must never turn
 * a paid order into a 4xx (the platform would retry forever). But nothing unreadable is silently
 * dropped either: a present field whose value is not one of its known values is recorded in
 * `malformed`, and the decision blocks every destination that field could speak for. Dropping it
 * would let a grant elsewhere stand over what may have been a denial
 * (`{meta: "granted", categories: {marketing: "false"}}`). Absent (or null) fields say nothing.
 */
const GCM_TYPES: GcmType[] = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"];
const MAX_CATEGORIES = 64;
const MAX_CATEGORY_NAME = 128;

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);
const given = (v: unknown) => v !== undefined && v !== null;

function consentState(v: unknown): ConsentState | undefined {
  return v === "granted" || v === "denied" ? v : undefined;
}

function shortString(v: unknown, max = 8192): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= max ? v : undefined;
}

/** A Consent Mode object: every known signal it sets must be granted or denied. */
function gcmObject(v: unknown): { value?: ConsentInput["gcm"]; bad: boolean } {
  if (!isObject(v)) return { bad: true };
  const out: Partial<Record<GcmType, ConsentState>> = {};
  let bad = false;
  for (const type of GCM_TYPES) {
    if (!given(v[type])) continue;
    const state = consentState(v[type]);
    if (state) out[type] = state;
    else bad = true;
  }
  return { ...(Object.keys(out).length > 0 ? { value: out } : {}), bad };
}

export function readConsentInput(raw: unknown): ConsentInput | undefined {
  if (!given(raw)) return undefined;
  if (!isObject(raw)) return { malformed: ["consent"] };
  const out: ConsentInput = {};
  const malformed = new Set<string>();

  for (const key of ["gcm", "gcmDefault"] as const) {
    if (!given(raw[key])) continue;
    const { value, bad } = gcmObject(raw[key]);
    if (value) out[key] = value;
    if (bad) malformed.add(key);
  }
  for (const [key, max] of [
    ["gcd", 64],
    ["gcs", 16],
  ] as const) {
    if (!given(raw[key])) continue;
    const value = shortString(raw[key], max);
    if (value) out[key] = value;
    else malformed.add(key);
  }
  if (given(raw.tcf)) {
    const t = raw.tcf;
    const tcString = isObject(t) ? shortString(t.tcString) : undefined;
    if (!isObject(t) || !tcString) malformed.add("tcf");
    else {
      out.tcf = { tcString };
      if (typeof t.gdprApplies === "boolean") out.tcf.gdprApplies = t.gdprApplies;
      else if (given(t.gdprApplies)) malformed.add("tcf");
      const addtl = shortString(t.addtlConsent);
      if (addtl) out.tcf.addtlConsent = addtl;
      else if (given(t.addtlConsent)) malformed.add("tcf");
    }
  }
  if (given(raw.gpp)) {
    const g = raw.gpp;
    const gppString = isObject(g) ? shortString(g.gppString) : undefined;
    if (!isObject(g) || !gppString) malformed.add("gpp");
    else {
      out.gpp = { gppString };
      const sections = g.applicableSections;
      if (Array.isArray(sections) && sections.length <= 64 && sections.every((n) => Number.isInteger(n))) {
        out.gpp.applicableSections = sections as number[];
      } else if (given(sections)) malformed.add("gpp");
    }
  }
  if (given(raw.gpc)) {
    if (raw.gpc === true) out.gpc = true;
    else if (raw.gpc !== false) malformed.add("gpc");
  }
  if (given(raw.categories)) {
    const cats = raw.categories;
    if (!isObject(cats)) malformed.add("categories");
    else {
      const entries = Object.entries(cats).filter(([, v]) => given(v));
      // Too many, or names too long to map: which destinations they concern cannot be told.
      if (entries.length > MAX_CATEGORIES || entries.some(([k]) => k.length > MAX_CATEGORY_NAME)) malformed.add("categories");
      else {
        const good: Array<[string, boolean]> = [];
        for (const [k, v] of entries) {
          if (typeof v === "boolean") good.push([k, v]);
          else malformed.add(`categories.${k}`);
        }
        // fromEntries defines own properties, so a "__proto__" category stays a plain key.
        if (good.length > 0) out.categories = Object.fromEntries(good);
      }
    }
  }
  // One explicit field per platform whose destination definition names one (`meta`, …).
  for (const flag of EXPLICIT_CONSENT_FLAGS) {
    if (!given(raw[flag])) continue;
    const state = consentState(raw[flag]);
    if (state) out[flag] = state;
    else malformed.add(flag);
  }
  if (malformed.size > 0) out.malformed = [...malformed];
  return Object.keys(out).length > 0 ? out : undefined;
}

export const consentSchema = z.unknown().transform(readConsentInput);
