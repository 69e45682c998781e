import type { ConsentInput } from "../events/conversion";

/**
 * Consent signals for one join key, combined across beacons: a later beacon replaces only the
 * signals it carries, and one that omits a signal keeps the earlier value. Within the per-type
 * maps (Consent Mode types, CMP categories) the same holds per key. The most recent TC string
 * stands (IAB TCF: a CMP always surfaces the latest choice; a new string replaces the old one,
 * https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md).
 * `gpc` is an opt-out and is never taken back within a join key.
 *
 * This merge alone would let a later grant replace an earlier denial; the sticky denials
 * (src/consent/sticky.ts) are what keep a user's refusal standing. Pure.
 */
export function mergeConsentInputs(earlier: ConsentInput | undefined, later: ConsentInput | undefined): ConsentInput | undefined {
  if (!earlier) return later;
  if (!later) return earlier;
  const merged: ConsentInput = { ...earlier, ...later };
  if (earlier.gcm || later.gcm) merged.gcm = { ...earlier.gcm, ...later.gcm };
  if (earlier.gcmDefault || later.gcmDefault) merged.gcmDefault = { ...earlier.gcmDefault, ...later.gcmDefault };
  if (earlier.categories || later.categories) merged.categories = { ...earlier.categories, ...later.categories };
  if (earlier.gpc || later.gpc) merged.gpc = true;
  return merged;
}
