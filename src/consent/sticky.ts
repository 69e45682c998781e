import { decideWithBasis } from "./basis";
import type { ConsentVerdict, DestinationRef } from "./decide";
import type { EffectiveConsentPolicy } from "./policy";
import type { ConsentProblem, ConsentReason, ConsentSnapshot } from "./types";

export interface StickyDenial {
  destinationId: string;
  reason: ConsentReason;
}

/** Problems that say a signal could not be read, as opposed to what a readable one says. */
const UNREADABLE: ReadonlySet<ConsentProblem> = new Set([
  "consent_malformed",
  "gcd_invalid",
  "gcs_invalid",
  "gpp_invalid",
  "gpp_section_unknown",
]);

/**
 * The snapshot with its unreadable signals set aside: what the readable ones say on their own.
 * The verdict names only the first reason that blocks, and an unreadable value is checked before
 * a user's refusal; without this, `{meta: "denied", gpp: <garbage>}` would be recorded as merely
 * ambiguous, and a later beacon restating both readably (`meta: "granted"`) would send what the
 * user refused.
 */
function readablePart(s: ConsentSnapshot): ConsentSnapshot {
  const { malformed: _malformed, gpp, tcf, ...rest } = s;
  return {
    ...rest,
    ...(gpp?.valid && !gpp.unknownSectionIds ? { gpp } : {}),
    ...(tcf && !(tcf.applies && !tcf.valid) ? { tcf } : {}),
    problems: s.problems.filter((p) => !UNREADABLE.has(p) && !(tcf && p === tcf.invalidReason)),
  };
}

/**
 * The destinations a signal refuses (basis `denied`, see basis.ts: the user's update, a TCF
 * refusal, a category or Meta flag set to no, an opt-out, a contradiction; never a page default),
 * each with its reason. Such a refusal sticks for its join key: the relay records it, and no later
 * grant under that join key and no replay turns it back into a send within 24 hours. A refusal
 * stated beside an unreadable value is a refusal all the same (see readablePart).
 */
export function explicitDenials(
  snapshot: ConsentSnapshot,
  destinations: readonly DestinationRef[],
  policy: EffectiveConsentPolicy,
): StickyDenial[] {
  let readable: ConsentSnapshot | undefined;
  return destinations.flatMap((d) => {
    const verdict = decideWithBasis(snapshot, d, policy);
    if (verdict.basis === "denied") return [{ destinationId: d.id, reason: verdict.reason }];
    if (verdict.basis !== "malformed") return [];
    readable ??= readablePart(snapshot);
    const beneath = decideWithBasis(readable, d, policy);
    return beneath.basis === "denied" ? [{ destinationId: d.id, reason: beneath.reason }] : [];
  });
}

/**
 * Refusals that Google's denied flag itself states: the user's `ad_user_data` denial, by a Consent
 * Mode update or a TCF refusal of purpose 1, purpose 7 or vendor 755. Under such a refusal a
 * tenant that elected the denied flag still sends it (click id only, with the conversion's
 * `consent.adUserData` set to DENIED,
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ClickConversion), as it did
 * for the refusal itself.
 */
export const STATED_BY_DENIED_FLAG: ReadonlySet<ConsentReason> = new Set([
  "gcm_ad_user_data_denied",
  "tcf_purpose_1_denied",
  "tcf_purpose_7_denied",
  "tcf_vendor_755_no_consent",
]);

/**
 * A verdict under a refusal recorded earlier for its join key or event (undefined when none): it
 * never sends more than the refusal allowed. A grant becomes the refusal's block; so does the
 * denied flag, unless the refusal is one the flag states. A US opt-out, a refused CMP category or
 * contradicting signals blocked the conversion outright, click id included, and a later beacon
 * that merely omits them must not let the click id through as a denied-flag upload.
 */
export function underRecordedRefusal(verdict: ConsentVerdict, refused: ConsentReason | undefined): ConsentVerdict {
  if (refused === undefined || verdict.decision === "blocked") return verdict;
  if (verdict.decision === "send_denied_flag" && STATED_BY_DENIED_FLAG.has(refused)) return verdict;
  return { decision: "blocked", reason: refused };
}
