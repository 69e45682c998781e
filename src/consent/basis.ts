import { decideSnapshot, type ConsentVerdict, type DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentReason, ConsentSnapshot, ExplicitReason } from "./types";

/**
 * What a verdict rests on, for the relay's join-key handling:
 * - `granted`: a signal allows this destination.
 * - `denied`: the user (or their browser, via GPC) refused: an update, a TCF refusal, a mapped
 *   category set to false, an explicit Meta flag, a withdrawal, or sources that contradict each
 *   other (one of them refused). Such a denial sticks for its join key.
 * - `undecided`: nothing the user chose decides it yet (no signal, or a page default only), so a
 *   later beacon may still decide it; worth holding for.
 * - `malformed`: a signal is unreadable, invalid or unknown; ambiguous, never a grant.
 * - `restricted`: the publisher's own TCF setup rules the vendor out (a restriction, or vendor 755
 *   not disclosed); not the user's choice, so it neither sticks nor waits.
 */
export type ConsentBasis = "granted" | "denied" | "undecided" | "malformed" | "restricted";

/**
 * Every reason of the closed vocabulary, classified; the compiler rejects a reason left out. The
 * reasons of explicit platform flags (`meta_granted`, …) are classed by their suffix below.
 */
export const BASIS_BY_REASON: Readonly<Record<Exclude<ConsentReason, ExplicitReason>, ConsentBasis>> = {
  gcm_ad_user_data_granted: "granted",
  gcm_ad_user_data_default_granted: "granted",
  tcf_granted: "granted",
  category_granted: "granted",

  withdrawn: "denied",
  us_opt_out: "denied",
  consent_conflict: "denied",
  category_denied: "denied",
  gcm_ad_user_data_denied: "denied",
  tcf_purpose_1_denied: "denied",
  tcf_purpose_7_denied: "denied",
  tcf_vendor_755_no_consent: "denied",

  consent_missing: "undecided",
  gcm_ad_user_data_missing: "undecided",
  gcm_default_only: "undecided",
  gcm_ad_user_data_default_denied: "undecided",

  consent_malformed: "malformed",
  gpp_invalid: "malformed",
  gpp_section_unknown: "malformed",
  gcd_invalid: "malformed",
  gcs_invalid: "malformed",
  tcf_invalid: "malformed",
  tcf_not_service_specific: "malformed",
  tcf_policy_outdated: "malformed",
  tcf_vendors_disclosed_missing: "malformed",

  tcf_vendor_755_restricted: "restricted",
  tcf_vendor_755_not_disclosed: "restricted",
  destination_type_unknown: "restricted",
};

/** An explicit flag's verdicts: granted, the user's refusal, or nothing recorded yet. */
function explicitBasis(reason: ExplicitReason): ConsentBasis {
  if (reason.endsWith("_consent_missing")) return "undecided";
  return reason.endsWith("_granted") ? "granted" : "denied";
}

function isFixedReason(reason: ConsentReason): reason is Exclude<ConsentReason, ExplicitReason> {
  return Object.hasOwn(BASIS_BY_REASON, reason);
}

/** The basis of a verdict (see ConsentBasis); a function of its reason alone. */
export function verdictBasis(verdict: Pick<ConsentVerdict, "reason">): ConsentBasis {
  return isFixedReason(verdict.reason) ? BASIS_BY_REASON[verdict.reason] : explicitBasis(verdict.reason);
}

/** Per destination: the verdict and its basis, from one normalized snapshot. */
export function decideWithBasis(
  snapshot: ConsentSnapshot,
  destination: DestinationRef,
  policy: EffectiveConsentPolicy,
): ConsentVerdict & { basis: ConsentBasis } {
  const verdict = decideSnapshot(snapshot, destination, policy);
  return { ...verdict, basis: verdictBasis(verdict) };
}
