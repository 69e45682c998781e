import type { ConsentInput } from "../events/conversion";
import { GPP_SECTION_TCF_EU, type GppDecoded } from "./gpp";
import { decodeTcf } from "./tcf";
import type { TcfDetails } from "./types";

/** TC strings from a tcf input, or carried as GPP section 2 when there is none. */
function collectTcf(inputs: readonly ConsentInput[], gpp: ReadonlyArray<GppDecoded | undefined>): TcfDetails[] {
  const out: TcfDetails[] = [];
  inputs.forEach((input, n) => {
    if (input.tcf) {
      out.push(decodeTcf(input.tcf.tcString, input.tcf.gdprApplies));
      return;
    }
    const tcfEu = gpp[n]?.tcfEuString;
    if (!tcfEu) return;
    // Inside GPP, the declared applicable sections play the role of gdprApplies.
    const applicable = input.gpp?.applicableSections?.filter((id) => id > 0);
    out.push(decodeTcf(tcfEu, applicable && applicable.length > 0 ? applicable.includes(GPP_SECTION_TCF_EU) : undefined));
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
  /** Applying and valid strings: the only ones whose content is used. */
  usable: TcfDetails[];
  google?: TcfDetails["google"];
  /** Two valid strings that derive ad_user_data differently: a conflict like any other. */
  conflict: boolean;
}

export function readTcf(inputs: readonly ConsentInput[], gpp: ReadonlyArray<GppDecoded | undefined>): TcfReading {
  const all = collectTcf(inputs, gpp);
  const shown = representativeTcf(all);
  const usable = all.filter((t) => t.applies && t.valid);
  const first = usable[0];
  const conflict = usable.some((t) => t.google.adUserData !== first?.google.adUserData);
  const google = conflict ? undefined : (usable.find((t) => t === shown) ?? first)?.google;
  return { all, ...(shown ? { shown } : {}), usable, ...(google ? { google } : {}), conflict };
}

