import type { ConsentInput, ConsentState, GcmType } from "../events/conversion";
import { decodeGcd, decodeGcs, type GcmSignalsLevels } from "./gcd";
import type { ConsentSource } from "./types";

export const GCM_TYPES: GcmType[] = ["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"];

export interface GcmCollected {
  /** Any Consent Mode signal was sent (even an unreadable one). */
  present: boolean;
  levels: GcmSignalsLevels;
  /** Signals that two sources set differently at the same level (update vs update). */
  conflicts: Array<{ type: GcmType; level: "default" | "update" }>;
  problems: Array<"gcd_invalid" | "gcs_invalid">;
  sources: ConsentSource[];
}

type Observed = Record<GcmType, { default: ConsentState[]; update: ConsentState[] }>;

/**
 * Gathers Consent Mode from the `gcm`/`gcmDefault` objects and the raw `gcd`/`gcs` strings of
 * every input. An unreadable string counts as absent here; the caller blocks on its problem.
 */
export function collectGcm(inputs: readonly ConsentInput[]): GcmCollected {
  const seen = Object.fromEntries(GCM_TYPES.map((t) => [t, { default: [], update: [] }])) as unknown as Observed;
  const sources = new Set<ConsentSource>();
  const problems = new Set<"gcd_invalid" | "gcs_invalid">();
  const add = (type: GcmType, level: "default" | "update", state: ConsentState | undefined) => {
    if (state) seen[type][level].push(state);
  };

  for (const input of inputs) {
    if (input.gcm) {
      sources.add("gcm");
      for (const t of GCM_TYPES) add(t, "update", input.gcm[t]);
    }
    if (input.gcmDefault) {
      sources.add("gcm_default");
      for (const t of GCM_TYPES) add(t, "default", input.gcmDefault[t]);
    }
    if (input.gcd !== undefined) {
      sources.add("gcd");
      const gcd = decodeGcd(input.gcd);
      if (!gcd) problems.add("gcd_invalid");
      else {
        for (const t of GCM_TYPES) {
          add(t, "default", gcd[t].default);
          add(t, "update", gcd[t].update);
        }
      }
    }
    if (input.gcs !== undefined) {
      sources.add("gcs");
      const gcs = decodeGcs(input.gcs);
      if (!gcs) problems.add("gcs_invalid");
      else {
        // gcs cannot tell a user's choice from a page default, so it never counts as one.
        add("ad_storage", "default", gcs.ad_storage);
        add("analytics_storage", "default", gcs.analytics_storage);
      }
    }
  }

  const conflicts: GcmCollected["conflicts"] = [];
  const levels = {} as GcmSignalsLevels;
  for (const t of GCM_TYPES) {
    const def = agree(seen[t].default);
    const upd = agree(seen[t].update);
    if (def.conflict) conflicts.push({ type: t, level: "default" });
    if (upd.conflict) conflicts.push({ type: t, level: "update" });
    levels[t] = {};
    if (def.state) levels[t].default = def.state;
    if (upd.state) levels[t].update = upd.state;
  }
  return { present: sources.size > 0, levels, conflicts, problems: [...problems], sources: [...sources] };
}

/** Disagreeing sources at one level: denied wins, and the disagreement is reported. */
function agree(states: ConsentState[]): { state?: ConsentState; conflict: boolean } {
  if (states.length === 0) return { conflict: false };
  const conflict = states.some((s) => s !== states[0]);
  return { state: conflict || states[0] === "denied" ? "denied" : "granted", conflict };
}
