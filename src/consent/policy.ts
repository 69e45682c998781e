import type { ConsentPolicy } from "../config/types";

/**
 * Policy switches this module reads beyond today's ConsentPolicy type. They are optional so a
 * stored policy without them keeps the strict default.
 */
export interface ConsentPolicyExtras {
  /**
   * Count a Consent Mode *default* grant (no user update, e.g. gcd `t`) as consent when the
   * jurisdiction is US or OTHER (decision table row 4). Never in the EEA/UK/CH or when unknown. Off.
   */
  defaultsCountOutsideEea?: boolean;
}

export type EffectiveConsentPolicy = ConsentPolicy & ConsentPolicyExtras;

export function defaultsCountOutsideEea(policy: EffectiveConsentPolicy): boolean {
  return policy.defaultsCountOutsideEea === true;
}
