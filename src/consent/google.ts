import type { GcmType } from "../events/conversion";
import type { GcmCollected } from "./gcm";
import type { GoogleConsent, Jurisdiction, TcfDetails, Tri } from "./types";

/** Where a page default is not a user's choice and so never counts (decision table row 3). */
export function defaultGrantDiscounted(j: Jurisdiction): boolean {
  return j === "EEA_UK_CH" || j === "UNKNOWN";
}

export interface GoogleResolution {
  google: GoogleConsent;
  /** Signals whose sources disagree in a way that decides the outcome. */
  conflicts: GcmType[];
}

/** What the applying, valid TC strings say for Google (see snapshot.ts). */
export interface TcfForGoogle {
  google?: TcfDetails["google"];
  conflict: boolean;
}

/**
 * Google's signals from Consent Mode and TCF. A user's update outranks TCF only when they agree;
 * TCF (a recorded user choice) outranks a page default; a default grant is discounted where it
 * is not a choice. An update that contradicts TCF is a conflict, and denied wins (decision table row 11).
 */
export function resolveGoogle(gcm: GcmCollected, tcfReading: TcfForGoogle, jurisdiction: Jurisdiction): GoogleResolution {
  const tcf = tcfReading.google;
  const conflicts: GcmType[] = [];
  const conflictAt = (type: GcmType, level: "default" | "update") => gcm.conflicts.some((c) => c.type === type && c.level === level);

  const simple = (type: GcmType, fromTcf: Tri): Tri => {
    const { update, default: def } = gcm.levels[type];
    if (update) {
      const clash = conflictAt(type, "update") || (fromTcf !== "unknown" && fromTcf !== update);
      if (clash) conflicts.push(type);
      return clash ? "denied" : update;
    }
    if (fromTcf !== "unknown") return fromTcf;
    if (!def) return "unknown";
    if (conflictAt(type, "default")) conflicts.push(type);
    return def === "granted" && defaultGrantDiscounted(jurisdiction) ? "unknown" : def;
  };

  const google: GoogleConsent = {
    adStorage: simple("ad_storage", tcf?.adStorage ?? "unknown"),
    analyticsStorage: simple("analytics_storage", "unknown"),
    adPersonalization: simple("ad_personalization", tcf?.adPersonalization ?? "unknown"),
    ...adUserData(gcm, tcfReading, jurisdiction),
  };
  if (google.reason === "consent_conflict") conflicts.push("ad_user_data");
  return { google, conflicts };
}

function adUserData(
  gcm: GcmCollected,
  { google: tcf, conflict: tcfConflict }: TcfForGoogle,
  jurisdiction: Jurisdiction,
): Pick<GoogleConsent, "adUserData" | "provenance" | "reason" | "explicitDenial"> {
  const { update, default: def } = gcm.levels.ad_user_data;
  const conflictAt = (level: "default" | "update") => gcm.conflicts.some((c) => c.type === "ad_user_data" && c.level === level);
  const fromTcf = tcf?.adUserData ?? "unknown";
  const conflict = { adUserData: "denied", reason: "consent_conflict", explicitDenial: false } as const;
  if (tcfConflict) return { ...conflict, provenance: "tcf_derived" };

  if (update) {
    if (conflictAt("update") || (fromTcf !== "unknown" && fromTcf !== update)) return { ...conflict, provenance: "explicit_update" };
    return update === "granted"
      ? { adUserData: "granted", provenance: "explicit_update", reason: "gcm_ad_user_data_granted", explicitDenial: false }
      : { adUserData: "denied", provenance: "explicit_update", reason: "gcm_ad_user_data_denied", explicitDenial: true };
  }
  if (tcf && fromTcf !== "unknown") {
    return { adUserData: fromTcf, provenance: "tcf_derived", reason: tcf.reason, explicitDenial: tcf.explicitDenial };
  }
  if (def) {
    if (conflictAt("default")) return { ...conflict, provenance: "default_only" };
    // A denial by default still blocks and may carry the denied flag (gcd `p`), but it is the
    // page's setting, not the user's choice: its own reason keeps it from counting as a refusal.
    if (def === "denied") {
      return { adUserData: "denied", provenance: "default_only", reason: "gcm_ad_user_data_default_denied", explicitDenial: true };
    }
    if (defaultGrantDiscounted(jurisdiction)) {
      return { adUserData: "unknown", provenance: "default_only", reason: "gcm_default_only", explicitDenial: false };
    }
    // Outside the EEA a default grant stands here; the tenant's policy decides whether it counts.
    return { adUserData: "granted", provenance: "default_only", reason: "gcm_ad_user_data_default_granted", explicitDenial: false };
  }
  return { adUserData: "unknown", provenance: "none", reason: "gcm_ad_user_data_missing", explicitDenial: false };
}
