import { TCString } from "@iabtechlabtcf/core";
import type { ConsentInput } from "../events/conversion";
import { GPP_SECTION_TCF_EU, declaredSections, tcfEuSectionOf } from "./gpp";

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
 * TC strings dated the same (`tcfTies`), because no date orders them; while an unreadable
 * string stands, the latest `LastUpdated` of the readable ones it replaced (`tcfLatestAt`); and,
 * when the TC string inside its `gpp` (section 2) is older than one that arrived before it,
 * `gppTcfSuperseded`, so the reading (./tcf-reading.ts) skips that stale copy.
 * Only the merge writes them.
 */
export type MergedConsentInput = ConsentInput & { tcfTies?: TcfField[]; tcfLatestAt?: number; gppTcfSuperseded?: true };

/** Every TC string an input carries in its `tcf` field: the one kept, then those tied with it. */
export function tcfFieldsOf(input: ConsentInput): TcfField[] {
  const ties = (input as MergedConsentInput).tcfTies ?? [];
  return input.tcf ? [input.tcf, ...ties] : [];
}

/**
 * The TC string a GPP string carries as section 2, with the applicability readTcf gives it (the
 * declared applicable sections play the role of gdprApplies), whether or not it can be read.
 */
function tcfOfGpp(gpp: ConsentInput["gpp"]): TcfField | undefined {
  const tcString = gpp ? tcfEuSectionOf(gpp.gppString) : undefined;
  if (!tcString) return undefined;
  const applicable = declaredSections(gpp?.applicableSections);
  return applicable ? { tcString, gdprApplies: applicable.includes(GPP_SECTION_TCF_EU) } : { tcString };
}

/** The same choice read the same way: one string under one applicability. */
const sameTcf = (a: TcfField, b: TcfField) => a.tcString === b.tcString && a.gdprApplies === b.gdprApplies;

/** A TC string with its `LastUpdated`, decoded once per merge (undefined: unreadable). */
interface DatedTcf {
  field: TcfField;
  at: number | undefined;
}

/** Every TC string of an input that the reading weighs: its `tcf` field's and, unless superseded, its GPP's. */
function tcfCandidatesOf(input: ConsentInput): DatedTcf[] {
  const fields = tcfFieldsOf(input);
  const inGpp = (input as MergedConsentInput).gppTcfSuperseded ? undefined : tcfOfGpp(input.gpp);
  const all = inGpp && !fields.some((t) => sameTcf(t, inGpp)) ? [...fields, inGpp] : fields;
  return all.map((field) => ({ field, at: lastUpdatedOf(field.tcString) }));
}

/** The TC strings that stand, and the latest `LastUpdated` of any readable one seen. */
interface StandingTcf {
  strings: DatedTcf[];
  seenAt?: number;
}

/**
 * The TC strings that stand after one more readable string, by `LastUpdated`: the newer one's;
 * on an equal date both, for readTcf (./tcf-reading.ts) to weigh as it weighs one webhook's
 * strings (equal dates that decide differently are a conflict, which denies).
 *
 * An unreadable string that replaced a readable one is replaced in turn only by a string newer
 * than every readable one seen before it: one no newer than those is a stale copy (a second
 * tab, a cache) of a choice the user has since changed, to something that could not be read, so
 * it does not bring an old grant back.
 */
function admitReadable(standing: StandingTcf, next: DatedTcf & { at: number }): StandingTcf {
  const { strings, seenAt } = standing;
  const latest = seenAt === undefined ? next.at : Math.max(seenAt, next.at);
  const first = strings[0];
  if (first?.at === undefined) {
    return first && seenAt !== undefined && next.at <= seenAt ? standing : { strings: [next], seenAt: latest };
  }
  if (next.at > first.at) return { strings: [next], seenAt: latest };
  if (first.at > next.at) return standing;
  return { strings: [next, ...strings.filter((t) => !sameTcf(t.field, next.field))], seenAt: latest };
}

/**
 * The standing TC strings after an input's: its readable strings ordered by date as above, then
 * its unreadable ones, which replace whatever stands (an unreadable string says the CMP's current
 * state is unknown, so, arriving last, it keeps the verdict ambiguous instead of letting an
 * earlier grant stand). The strings one input carries together (its `tcf` field and its GPP's
 * section 2) are weighed together, as readTcf weighs them.
 */
function admitInput(standing: StandingTcf, input: ConsentInput): StandingTcf {
  const candidates = tcfCandidatesOf(input);
  let next = standing;
  // Last first, so strings tied in an earlier merge keep their order (the newest is prepended).
  for (const t of [...candidates].reverse()) {
    if (t.at !== undefined) next = admitReadable(next, { field: t.field, at: t.at });
  }
  const unreadable = candidates.filter((t) => t.at === undefined);
  return unreadable.length > 0 ? { ...next, strings: unreadable } : next;
}

/**
 * Writes the standing TC strings onto the merged input: the string its `gpp` carries is read
 * there, so `tcf` and `tcfTies` hold the others; a GPP copy that does not stand is marked
 * superseded. The latest date seen is kept only while an unreadable string stands (a readable
 * one that stands is itself the latest).
 */
function writeStandingTcf(merged: MergedConsentInput, { strings, seenAt }: StandingTcf): void {
  const inGpp = tcfOfGpp(merged.gpp);
  const carried = inGpp !== undefined && strings.some((t) => sameTcf(t.field, inGpp));
  const [tcf, ...ties] = (carried ? strings.filter((t) => !sameTcf(t.field, inGpp)) : strings).map((t) => t.field);
  if (tcf) merged.tcf = tcf;
  else delete merged.tcf;
  if (ties.length > 0) merged.tcfTies = ties;
  else delete merged.tcfTies;
  if (inGpp && !carried) merged.gppTcfSuperseded = true;
  else delete merged.gppTcfSuperseded;
  if (strings[0] && strings[0].at === undefined && seenAt !== undefined) merged.tcfLatestAt = seenAt;
  else delete merged.tcfLatestAt;
}

/**
 * Consent signals for one join key, combined across beacons: a later beacon replaces only the
 * signals it carries, and one that omits a signal keeps the earlier value. Within the per-type
 * maps (Consent Mode types, CMP categories) the same holds per key. The most recent TC string
 * stands (IAB TCF: a CMP always surfaces the latest choice; a new string replaces the old one,
 * https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md),
 * most recent by its `LastUpdated` rather than by when its beacon arrived, so a stale string from
 * a second tab does not replace the user's newer choice, whether the string came in `tcf` or as
 * the TCF EU section of a GPP string (admitInput). Strings dated the same are all kept (see
 * admitReadable), since arrival does not say which choice came last.
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
  const earlierSeenAt = (earlier as MergedConsentInput).tcfLatestAt;
  const before = admitInput(earlierSeenAt === undefined ? { strings: [] } : { strings: [], seenAt: earlierSeenAt }, earlier);
  writeStandingTcf(merged, admitInput(before, later));
  const laterMarks = new Set(later.malformed ?? []);
  const malformed = new Set([...(earlier.malformed ?? []).filter((mark) => !restatedBy(later, mark, laterMarks)), ...laterMarks]);
  if (malformed.size > 0) merged.malformed = [...malformed];
  else delete merged.malformed;
  return merged;
}
