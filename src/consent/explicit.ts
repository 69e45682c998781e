import { EXPLICIT_CONSENT_FLAGS, type ExplicitConsentFlag } from "../destinations/registry";
import type { ConsentInput, ConsentState } from "../events/conversion";
import { purposeOneWaived } from "./tcf";
import type { TcfDetails, TcfRefusal } from "./types";

/** Sources carry no timestamps we can trust, so disagreeing explicit flags deny. */
function agree(states: ConsentState[]): { state?: ConsentState; conflict: boolean } {
  if (states.length === 0) return { conflict: false };
  const conflict = states.some((s) => s !== states[0]);
  return { state: conflict ? "denied" : states[0], conflict };
}

/**
 * The explicit per-platform flags (`"meta": "granted"`, one per destination definition that names
 * a flag), each agreed across the inputs; a platform whose inputs disagree is denied and listed
 * in `conflicts`. Categories are added per destination when deciding.
 */
export function resolveExplicit(inputs: readonly ConsentInput[]): {
  explicit: Partial<Record<ExplicitConsentFlag, ConsentState>>;
  conflicts: ExplicitConsentFlag[];
} {
  const explicit: Partial<Record<ExplicitConsentFlag, ConsentState>> = {};
  const conflicts: ExplicitConsentFlag[] = [];
  for (const flag of EXPLICIT_CONSENT_FLAGS) {
    const flags = agree(inputs.flatMap((i) => (i[flag] ? [i[flag]] : [])));
    if (flags.state) explicit[flag] = flags.state;
    if (flags.conflict) conflicts.push(flag);
  }
  return { explicit, conflicts };
}

/**
 * A valid TC string refusing storage (purpose 1, unless waived) or measurement (purpose 7) refuses
 * every destination granted by explicit flags too: Sluice reads no vendor consent for them from
 * the string, but a refusal of the purposes their measurement needs covers them.
 */
export function tcfRefusal(tcfUsable: TcfDetails[]): TcfRefusal | undefined {
  for (const t of tcfUsable) {
    if (!t.p1 && !purposeOneWaived(t)) return "tcf_purpose_1_denied";
    if (!t.p7) return "tcf_purpose_7_denied";
  }
  return undefined;
}
