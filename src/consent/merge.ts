import { TCString } from "@iabtechlabtcf/core";
import type { ConsentInput } from "../events/conversion";

/**
 * Fields whose whole value one input replaces (a malformed mark on one of them names the field
 * itself, see readConsentInput in ./schema.ts). The explicit platform flags (`meta`, `tiktok`, …)
 * are whole-value fields too; they are every other top-level name that is not a map.
 */
const MAP_MARKS = new Set(["consent", "gcm", "gcmDefault", "categories"]);
const CATEGORY_MARK = "categories.";

/**
 * Whether `later` states, readably, the field an earlier malformed mark names: only then does the
 * later value stand in for the unreadable one. A mark on a whole map (`gcm`, `gcmDefault`,
 * `categories`) or on the whole consent object could have said anything about any key, so no
 * later key answers for it; a per-category mark is answered by that category alone.
 */
function restatedBy(later: ConsentInput, mark: string, laterMarks: ReadonlySet<string>): boolean {
  if (laterMarks.has(mark) || MAP_MARKS.has(mark)) return false;
  if (mark.startsWith(CATEGORY_MARK)) {
    const categories = later.categories;
    return categories !== undefined && Object.hasOwn(categories, mark.slice(CATEGORY_MARK.length));
  }
  return Object.hasOwn(later, mark) && (later as Record<string, unknown>)[mark] !== undefined;
}

/**
 * A TC string's `LastUpdated` (epoch ms), or -Infinity when it cannot be read: an unreadable
 * string never outranks a readable one by its date, and is then merged by arrival as before.
 */
function lastUpdatedOf(tcString: string): number {
  try {
    const t = TCString.decode(tcString).lastUpdated?.getTime();
    return t !== undefined && Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

/**
 * Consent signals for one join key, combined across beacons: a later beacon replaces only the
 * signals it carries, and one that omits a signal keeps the earlier value. Within the per-type
 * maps (Consent Mode types, CMP categories) the same holds per key. The most recent TC string
 * stands (IAB TCF: a CMP always surfaces the latest choice; a new string replaces the old one,
 * https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md),
 * most recent by its `LastUpdated` rather than by when its beacon arrived, so a stale string from
 * a second tab does not replace the user's newer choice; on equal dates the later beacon's stands.
 * `gpc` is an opt-out and is never taken back within a join key.
 *
 * An unreadable value is a signal like any other, and kept the same way: the merged `malformed`
 * is the union of both inputs' marks, except that a field the later input states readably
 * replaces the earlier mark for that field. Letting the later list replace the earlier one would
 * forget an unreadable value (perhaps a denial) as soon as any later beacon carried a different
 * unreadable field, and the grant beside it would then stand.
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
  if (earlier.tcf && later.tcf && lastUpdatedOf(earlier.tcf.tcString) > lastUpdatedOf(later.tcf.tcString)) merged.tcf = earlier.tcf;
  const laterMarks = new Set(later.malformed ?? []);
  const malformed = new Set([...(earlier.malformed ?? []).filter((mark) => !restatedBy(later, mark, laterMarks)), ...laterMarks]);
  if (malformed.size > 0) merged.malformed = [...malformed];
  else delete merged.malformed;
  return merged;
}
