import { decideSnapshot, type DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentReason, ConsentSnapshot } from "./types";

/**
 * Reasons that mean someone said no. A later snapshot that merely lacks a signal (a beacon
 * without consent, an unreadable string) is not a withdrawal; one that refuses is.
 */
const DENIALS: ReadonlySet<ConsentReason> = new Set<ConsentReason>([
  "withdrawn",
  "us_opt_out",
  "consent_conflict",
  "category_denied",
  "gcm_ad_user_data_denied",
  "tcf_purpose_1_denied",
  "tcf_purpose_7_denied",
  "tcf_vendor_755_no_consent",
  "meta_denied",
]);

/**
 * Whether `next` revokes for `destination` what `previous` granted: SPEC §4.1, "a beacon whose
 * consent denies what an earlier one granted is a withdrawal". A Google denial that would still
 * travel with the denied flag counts too, since the grant it replaces allowed identifiers.
 */
export function isRevocation(
  previous: ConsentSnapshot,
  next: ConsentSnapshot,
  destination: DestinationRef,
  policy: EffectiveConsentPolicy,
): boolean {
  if (decideSnapshot(previous, destination, policy).decision !== "send") return false;
  const after = decideSnapshot(next, destination, policy);
  return after.decision !== "send" && DENIALS.has(after.reason);
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
