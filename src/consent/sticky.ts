import { decideSnapshot, type DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentReason, ConsentSnapshot } from "./types";

/**
 * Reasons that mean the user said no for a destination, as opposed to "nothing said yet" or
 * "unreadable". A page default is not the user's choice (Google: defaults are set before the
 * user interacts, updates are the user's choice,
 * https://developers.google.com/tag-platform/security/guides/consent#update_consent_state),
 * so a Consent Mode denial counts only when it came from an update.
 */
const USER_DENIALS: ReadonlySet<ConsentReason> = new Set<ConsentReason>([
  "withdrawn",
  "us_opt_out",
  "category_denied",
  "gcm_ad_user_data_denied",
  "tcf_purpose_1_denied",
  "tcf_purpose_7_denied",
  "tcf_vendor_755_no_consent",
  "meta_denied",
]);

/** Verdicts that a later signal may still change: nothing decided yet, so worth waiting for. */
const UNDECIDED: ReadonlySet<ConsentReason> = new Set<ConsentReason>([
  "consent_missing",
  "meta_consent_missing",
  "gcm_ad_user_data_missing",
  "gcm_default_only",
]);

export type VerdictKind = "granted" | "denied" | "undecided" | "blocked";

/**
 * What a snapshot says for one destination: `denied` is the user's explicit refusal (sticky for
 * the join key), `undecided` means no signal decides it yet, `blocked` anything else that stops
 * it (unreadable, conflicting), `granted` that it may be sent.
 */
export function verdictKind(snapshot: ConsentSnapshot, destination: DestinationRef, policy: EffectiveConsentPolicy): VerdictKind {
  const verdict = decideSnapshot(snapshot, destination, policy);
  if (verdict.decision === "send") return "granted";
  if (USER_DENIALS.has(verdict.reason)) {
    const fromDefault = verdict.reason === "gcm_ad_user_data_denied" && snapshot.google.provenance === "default_only";
    return fromDefault ? "blocked" : "denied";
  }
  if (verdict.decision === "blocked" && UNDECIDED.has(verdict.reason)) return "undecided";
  return "blocked";
}

export interface StickyDenial {
  destinationId: string;
  reason: ConsentReason;
}

/** The destinations a signal explicitly refuses, each with the reason it gave. */
export function explicitDenials(
  snapshot: ConsentSnapshot,
  destinations: readonly DestinationRef[],
  policy: EffectiveConsentPolicy,
): StickyDenial[] {
  return destinations
    .filter((d) => verdictKind(snapshot, d, policy) === "denied")
    .map((d) => ({ destinationId: d.id, reason: decideSnapshot(snapshot, d, policy).reason }));
}
