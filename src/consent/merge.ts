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
 * A TC string's `LastUpdated` (epoch ms), or undefined when it cannot be read. Two strings are
 * ordered by date only when both are readable: an unreadable one says the CMP's current state is
 * unknown, so it is merged by arrival as before and, arriving last, keeps the verdict ambiguous
 * instead of letting the earlier string's grant stand.
 */
function lastUpdatedOf(tcString: string): number | undefined {
  try {
    const t = TCString.decode(tcString).lastUpdated?.getTime();
    return t !== undefined && Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

type TcfField = NonNullable<ConsentInput["tcf"]>;

/**
 * One join key's beacons, combined: a consent input that may also keep, beside `tcf`, the other
 * TC strings dated the same (`tcfTies`), because no date orders them, and, while an unreadable
 * string stands, the latest `LastUpdated` of the readable ones it replaced (`tcfLatestAt`).
 * Only the merge writes them.
 */
export type MergedConsentInput = ConsentInput & { tcfTies?: TcfField[]; tcfLatestAt?: number };

/** The latest `LastUpdated` among the readable TC strings the inputs carry or have merged. */
function latestTcfDate(inputs: ConsentInput[]): number | undefined {
  const dates = inputs.flatMap((input) => [
    (input as MergedConsentInput).tcfLatestAt,
    ...tcfFieldsOf(input).map((t) => lastUpdatedOf(t.tcString)),
  ]);
  const known = dates.filter((d): d is number => d !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

/** Every TC string an input carries in its `tcf` field: the one kept, then those tied with it. */
export function tcfFieldsOf(input: ConsentInput): TcfField[] {
  const ties = (input as MergedConsentInput).tcfTies ?? [];
  return input.tcf ? [input.tcf, ...ties] : [];
}

/** The same choice read the same way: one string under one applicability. */
const sameTcf = (a: TcfField, b: TcfField) => a.tcString === b.tcString && a.gdprApplies === b.gdprApplies;

/**
 * The TC strings that stand after `later`'s, by `LastUpdated` (see lastUpdatedOf): the newer
 * one's; when either date cannot be read, the later arrival's; on an equal date both (with the
 * earlier's ties), for readTcf (./tcf-reading.ts) to weigh as it weighs one webhook's strings:
 * equal dates that decide differently are a conflict, which denies.
 *
 * An unreadable string that replaced a readable one is replaced in turn only by a string newer
 * than every readable one seen before it: one no newer than those is a stale copy (a second
 * tab, a cache) of a choice the user has since changed, to something that could not be read, so
 * it does not bring an old grant back.
 */
function standingTcf(earlier: ConsentInput, later: ConsentInput): TcfField[] {
  const before = tcfFieldsOf(earlier);
  const newest = later.tcf;
  if (!newest) return before;
  if (!before[0]) return [newest];
  const earlierAt = lastUpdatedOf(before[0].tcString);
  const laterAt = lastUpdatedOf(newest.tcString);
  if (earlierAt === undefined && laterAt !== undefined) {
    const seenAt = (earlier as MergedConsentInput).tcfLatestAt;
    return seenAt !== undefined && laterAt <= seenAt ? before : [newest];
  }
  if (earlierAt === undefined || laterAt === undefined || laterAt > earlierAt) return [newest];
  if (earlierAt > laterAt) return before;
  return [newest, ...before.filter((t) => !sameTcf(t, newest))];
}

/**
 * Consent signals for one join key, combined across beacons: a later beacon replaces only the
 * signals it carries, and one that omits a signal keeps the earlier value. Within the per-type
 * maps (Consent Mode types, CMP categories) the same holds per key. The most recent TC string
 * stands (IAB TCF: a CMP always surfaces the latest choice; a new string replaces the old one,
 * https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md),
 * most recent by its `LastUpdated` rather than by when its beacon arrived, so a stale string from
 * a second tab does not replace the user's newer choice. Strings dated the same are all kept (see
 * standingTcf), since arrival does not say which choice came last.
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
export function mergeConsentInputs(earlier: ConsentInput | undefined, later: ConsentInput | undefined): MergedConsentInput | undefined {
  if (!earlier) return later;
  if (!later) return earlier;
  const merged: MergedConsentInput = { ...earlier, ...later };
  if (earlier.gcm || later.gcm) merged.gcm = { ...earlier.gcm, ...later.gcm };
  if (earlier.gcmDefault || later.gcmDefault) merged.gcmDefault = { ...earlier.gcmDefault, ...later.gcmDefault };
  if (earlier.categories || later.categories) merged.categories = { ...earlier.categories, ...later.categories };
  if (earlier.gpc || later.gpc) merged.gpc = true;
  const [tcf, ...tcfTies] = standingTcf(earlier, later);
  if (tcf) merged.tcf = tcf;
  if (tcfTies.length > 0) merged.tcfTies = tcfTies;
  else delete merged.tcfTies;
  // Kept only while an unreadable string stands: a readable one that stands is itself the latest.
  const seenAt = tcf && lastUpdatedOf(tcf.tcString) === undefined ? latestTcfDate([earlier, later]) : undefined;
  if (seenAt !== undefined) merged.tcfLatestAt = seenAt;
  else delete merged.tcfLatestAt;
  const laterMarks = new Set(later.malformed ?? []);
  const malformed = new Set([...(earlier.malformed ?? []).filter((mark) => !restatedBy(later, mark, laterMarks)), ...laterMarks]);
  if (malformed.size > 0) merged.malformed = [...malformed];
  else delete merged.malformed;
  return merged;
}
