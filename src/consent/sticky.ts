import { decideWithBasis } from "./basis";
import type { DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentReason, ConsentSnapshot } from "./types";

export interface StickyDenial {
  destinationId: string;
  reason: ConsentReason;
}

/**
 * The destinations a signal refuses (basis `denied`, see basis.ts: the user's update, a TCF
 * refusal, a category or Meta flag set to no, an opt-out, a contradiction; never a page default),
 * each with its reason. Such a refusal sticks for its join key: the relay records it, and no later
 * grant under that join key and no replay turns it back into a send within 24 hours.
 */
export function explicitDenials(
  snapshot: ConsentSnapshot,
  destinations: readonly DestinationRef[],
  policy: EffectiveConsentPolicy,
): StickyDenial[] {
  return destinations.flatMap((d) => {
    const verdict = decideWithBasis(snapshot, d, policy);
    return verdict.basis === "denied" ? [{ destinationId: d.id, reason: verdict.reason }] : [];
  });
}
