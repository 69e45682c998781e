import type { ConsentInput, ConsentState } from "../events/conversion";
import { purposeOneWaived } from "./tcf";
import type { MetaConsent, TcfDetails } from "./types";

/** Sources carry no timestamps we can trust, so disagreeing explicit flags deny. */
function agree(states: ConsentState[]): { state?: ConsentState; conflict: boolean } {
  if (states.length === 0) return { conflict: false };
  const conflict = states.some((s) => s !== states[0]);
  return { state: conflict ? "denied" : states[0], conflict };
}

/**
 * Meta's share permission: only an explicit flag from the tenant's CMP grants it (categories are
 * added per destination when deciding). Google's signals never do, and LDU is no substitute.
 */
export function resolveMeta(inputs: readonly ConsentInput[], tcfUsable: TcfDetails[]): { meta: MetaConsent; conflict: boolean } {
  // Meta is not a GVL vendor, but a valid string refusing storage or measurement refuses it too.
  for (const t of tcfUsable) {
    if (!t.p1 && !purposeOneWaived(t)) return { meta: { share: "denied", provenance: "tcf", reason: "tcf_purpose_1_denied" }, conflict: false };
    if (!t.p7) return { meta: { share: "denied", provenance: "tcf", reason: "tcf_purpose_7_denied" }, conflict: false };
  }
  const flags = agree(inputs.flatMap((i) => (i.meta ? [i.meta] : [])));
  if (!flags.state) return { meta: { share: "unknown", provenance: "none", reason: "meta_consent_missing" }, conflict: false };
  return {
    meta: { share: flags.state, provenance: "cmp_vendor", reason: flags.state === "granted" ? "meta_granted" : "meta_denied" },
    conflict: flags.conflict,
  };
}
