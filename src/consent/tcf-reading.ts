import type { ConsentInput } from "../events/conversion";
import { GPP_SECTION_TCF_EU, declaredSections, type GppDecoded } from "./gpp";
import { tcfFieldsOf, type MergedConsentInput } from "./merge";
import { decodeTcf, purposeOneWaived } from "./tcf";
import type { TcfDetails } from "./types";

/**
 * Every TC string the inputs carry: the `tcf` field's and the one carried as GPP section 2, both
 * when an input has both. A page may run the TCF API and the GPP API side by side (IAB: the
 * standalone TC string stays in use, and section 2 is "expected to be exactly the same as the TC
 * String produced when using the TCF specification",
 * https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Sections/EEA/GPPExtension:%20IAB%20Europe%20TCF.md).
 * Each is one of the user's choices at its own `lastUpdated`, so readTcf weighs them together:
 * skipping the GPP one whenever `tcf` is set would let an older grant in `tcf` outlive a newer
 * denial in GPP. The same string in both places decides the same, so it is no conflict; it is
 * read twice, each with its own applicability, exactly as if the two came in separate inputs.
 * A join key's merged beacons may hold several `tcf` strings of the same date (src/consent/merge.ts):
 * each is read here too, so equal dates conflict across beacons as they do within one webhook; and
 * their GPP string's section 2 is skipped when the merge found it older than a string before it.
 */
function collectTcf(inputs: readonly ConsentInput[], gpp: ReadonlyArray<GppDecoded | undefined>): TcfDetails[] {
  const out: TcfDetails[] = [];
  inputs.forEach((input, n) => {
    for (const tcf of tcfFieldsOf(input)) out.push(decodeTcf(tcf.tcString, tcf.gdprApplies));
    // A GPP copy older than a string that arrived before it is not the user's choice any more.
    const tcfEu = (input as MergedConsentInput).gppTcfSuperseded ? undefined : gpp[n]?.tcfEuString;
    if (!tcfEu) return;
    // Inside GPP, the declared applicable sections play the role of gdprApplies; `[-1]` (no
    // section applies) is the CMP saying GDPR does not apply, like gdprApplies false.
    const applicable = declaredSections(input.gpp?.applicableSections);
    out.push(decodeTcf(tcfEu, applicable ? applicable.includes(GPP_SECTION_TCF_EU) : undefined));
  });
  return out;
}

/** The TC string shown on the snapshot: an invalid applying one first (it decides), else the newest. */
function representativeTcf(all: TcfDetails[]): TcfDetails | undefined {
  const applying = all.filter((t) => t.applies);
  const invalid = applying.find((t) => !t.valid);
  if (invalid) return invalid;
  const newest = [...applying].sort((a, b) => (b.lastUpdatedAt ?? 0) - (a.lastUpdatedAt ?? 0))[0];
  return newest ?? all[0];
}

export interface TcfReading {
  all: TcfDetails[];
  shown?: TcfDetails;
  /** The applying, valid string that stands (the latest); the only one whose content is used. */
  usable: TcfDetails[];
  google?: TcfDetails["google"];
  /** Two valid strings with the same `lastUpdated` that decide differently: a conflict. */
  conflict: boolean;
}

/** What a string decides, for comparing two strings. */
function decides(t: TcfDetails): string {
  const { google } = t;
  return JSON.stringify([google.adUserData, google.adPersonalization, google.adStorage, google.reason, t.p1, t.p7, purposeOneWaived(t)]);
}

/**
 * Several valid strings (webhook and beacon) are one user's choices at different times: the one
 * with the latest `lastUpdated` stands, as a CMP replaces the stored string on every change
 * (IAB TCF policies, https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/ ;
 * `LastUpdated` in the TC string format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md).
 * Equal timestamps cannot be ordered (TCF 2.2 CMPs round them to the day), so strings that then
 * decide differently are a conflict, and the conflict denies.
 */
export function readTcf(inputs: readonly ConsentInput[], gpp: ReadonlyArray<GppDecoded | undefined>): TcfReading {
  const all = collectTcf(inputs, gpp);
  const shown = representativeTcf(all);
  const valid = all.filter((t) => t.applies && t.valid);
  const latestAt = Math.max(...valid.map((t) => t.lastUpdatedAt ?? 0));
  const latest = valid.filter((t) => (t.lastUpdatedAt ?? 0) === latestAt);
  const first = latest[0];
  const conflict = first !== undefined && latest.some((t) => decides(t) !== decides(first));
  const usable = first ? [first] : [];
  const google = conflict ? undefined : first?.google;
  return { all, ...(shown ? { shown } : {}), usable: conflict ? latest : usable, ...(google ? { google } : {}), conflict };
}
