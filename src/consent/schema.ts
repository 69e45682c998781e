import { z } from "zod";
import type { ConsentInput, ConsentState, GcmType } from "../events/conversion";

/**
 * Consent input is read leniently: a malformed consent value must never turn a paid order into a
 * 4xx (the platform would retry forever). Anything unreadable is simply absent, and absent consent
 * means "do not forward" — so leniency here cannot fail open.
 */
const GCM_TYPES: GcmType[] = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"];

function consentState(v: unknown): ConsentState | undefined {
  return v === "granted" || v === "denied" ? v : undefined;
}

function gcmObject(v: unknown): ConsentInput["gcm"] {
  if (!v || typeof v !== "object") return undefined;
  const out: Partial<Record<GcmType, ConsentState>> = {};
  for (const type of GCM_TYPES) {
    const state = consentState((v as Record<string, unknown>)[type]);
    if (state) out[type] = state;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function shortString(v: unknown, max = 8192): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= max ? v : undefined;
}

export function readConsentInput(raw: unknown): ConsentInput | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out: ConsentInput = {};
  const gcm = gcmObject(r.gcm);
  if (gcm) out.gcm = gcm;
  const gcmDefault = gcmObject(r.gcmDefault);
  if (gcmDefault) out.gcmDefault = gcmDefault;
  const gcd = shortString(r.gcd, 64);
  if (gcd) out.gcd = gcd;
  const gcs = shortString(r.gcs, 16);
  if (gcs) out.gcs = gcs;
  if (r.tcf && typeof r.tcf === "object") {
    const t = r.tcf as Record<string, unknown>;
    const tcString = shortString(t.tcString);
    if (tcString) {
      out.tcf = { tcString };
      if (typeof t.gdprApplies === "boolean") out.tcf.gdprApplies = t.gdprApplies;
      const addtl = shortString(t.addtlConsent);
      if (addtl) out.tcf.addtlConsent = addtl;
    }
  }
  if (r.gpp && typeof r.gpp === "object") {
    const g = r.gpp as Record<string, unknown>;
    const gppString = shortString(g.gppString);
    if (gppString) {
      out.gpp = { gppString };
      if (Array.isArray(g.applicableSections)) {
        out.gpp.applicableSections = g.applicableSections.filter((n): n is number => Number.isInteger(n));
      }
    }
  }
  if (r.gpc === true) out.gpc = true;
  if (r.categories && typeof r.categories === "object" && !Array.isArray(r.categories)) {
    const cats = Object.entries(r.categories as Record<string, unknown>).filter(
      (e): e is [string, boolean] => typeof e[1] === "boolean" && e[0].length <= 128,
    );
    if (cats.length > 0) out.categories = Object.fromEntries(cats.slice(0, 64));
  }
  const meta = consentState(r.meta);
  if (meta) out.meta = meta;
  return Object.keys(out).length > 0 ? out : undefined;
}

export const consentSchema = z.unknown().transform(readConsentInput);
