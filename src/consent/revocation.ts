import { verdictBasis } from "./basis";
import { decideSnapshot, type DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentSnapshot } from "./types";

/**
 * Whether `next` revokes for `destination` what `previous` granted: "a beacon whose
 * consent denies what an earlier one granted is a withdrawal". Only a refusal counts (basis
 * `denied`: a user's update, a TCF refusal, a category or Meta flag set to no, an opt-out, a
 * contradiction). A later snapshot that merely lacks a signal, is unreadable, or carries only a
 * page default is not a withdrawal: a Consent Mode default is the site's setting before the user
 * chooses (https://developers.google.com/tag-platform/security/guides/consent),
 * so two defaults never make one. A Google denial that would still travel with the denied flag
 * counts too, since the grant it replaces allowed identifiers.
 */
export function isRevocation(
  previous: ConsentSnapshot,
  next: ConsentSnapshot,
  destination: DestinationRef,
  policy: EffectiveConsentPolicy,
): boolean {
  if (decideSnapshot(previous, destination, policy).decision !== "send") return false;
  const after = decideSnapshot(next, destination, policy);
  return after.decision !== "send" && verdictBasis(after) === "denied";
}

/** The destinations for which `next` revokes an earlier grant. */
export function revokedDestinations(
  previous: ConsentSnapshot,
  next: ConsentSnapshot,
  destinations: readonly DestinationRef[],
  policy: EffectiveConsentPolicy,
): DestinationRef[] {
  return destinations.filter((d) => isRevocation(previous, next, d, policy));
}
