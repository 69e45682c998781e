import type { ConsentPolicy, DestinationType } from "../config/types";
import type { ConsentInput, ConsentState } from "../events/conversion";

export type Decision = "send" | "send_denied_flag" | "blocked";

export interface ConsentVerdict {
  decision: Decision;
  /** Machine-readable reason, recorded on the delivery (e.g. `consent_missing`, `meta_granted`). */
  reason: string;
}

export interface DestinationRef {
  id: string;
  type: DestinationType;
}

const blocked = (reason: string): ConsentVerdict => ({ decision: "blocked", reason });
const send = (reason: string): ConsentVerdict => ({ decision: "send", reason });

/** What the tenant's CMP categories say about one destination: denied wins over granted. */
function mappedCategoryState(input: ConsentInput, destinationId: string, policy: ConsentPolicy): ConsentState | undefined {
  let state: ConsentState | undefined;
  for (const [category, value] of Object.entries(input.categories ?? {})) {
    // An unmapped category says nothing; it never grants.
    if (!policy.categoryMap[category]?.includes(destinationId)) continue;
    if (!value) return "denied";
    state = "granted";
  }
  return state;
}

function decideMeta(input: ConsentInput, destination: DestinationRef, policy: ConsentPolicy): ConsentVerdict {
  const category = mappedCategoryState(input, destination.id, policy);
  // Explicit denials first: any "no" wins over any "yes".
  if (input.meta === "denied") return blocked("meta_denied");
  if (category === "denied") return blocked("category_denied");
  if (input.meta === "granted") return send("meta_granted");
  if (category === "granted") return send("category_granted");
  // Google's signals never grant Meta, and Limited Data Use is no substitute for consent.
  return blocked("meta_consent_missing");
}

function decideGoogle(input: ConsentInput, destination: DestinationRef, policy: ConsentPolicy): ConsentVerdict {
  const category = mappedCategoryState(input, destination.id, policy);
  const adUserData = input.gcm?.ad_user_data;
  if (adUserData === "denied" || category === "denied") {
    const reason = adUserData === "denied" ? "gcm_ad_user_data_denied" : "category_denied";
    return policy.googleOnDenied === "send_denied_flag" && adUserData === "denied"
      ? { decision: "send_denied_flag", reason }
      : blocked(reason);
  }
  if (adUserData === "granted") return send("gcm_ad_user_data_granted");
  if (category === "granted") return send("category_granted");
  // A page default is not a user's choice.
  return blocked("gcm_ad_user_data_missing");
}

/**
 * Per-destination consent decision (SPEC §1 commitment 1): missing, invalid or ambiguous consent
 * means do not forward, and every block carries its reason.
 */
export function decideConsent(
  input: ConsentInput | undefined,
  destination: DestinationRef,
  policy: ConsentPolicy,
): ConsentVerdict {
  if (!input) return blocked("consent_missing");
  // A US opt-out (Global Privacy Control) blocks every destination.
  if (input.gpc) return blocked("us_opt_out");
  return destination.type === "meta" ? decideMeta(input, destination, policy) : decideGoogle(input, destination, policy);
}
