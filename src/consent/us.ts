import type { ConsentInput } from "../events/conversion";
import { declaredSections, type GppDecoded } from "./gpp";
import type { ConsentSnapshot, UsOptOuts } from "./types";

export interface UsReading {
  us: UsOptOuts;
  /** Sections the CMP declared applicable, else those the strings carry (for the jurisdiction). */
  applicableSections: number[];
  gpp?: { valid: boolean; sectionIds: number[]; unknownSectionIds?: number[] };
}

/** US opt-outs from every GPP string, the `gpc` flag and the Sec-GPC header. */
export function readUs(inputs: readonly ConsentInput[], gpp: ReadonlyArray<GppDecoded | undefined>, gpcHeader: boolean): UsReading {
  const us: UsOptOuts = {};
  const applicable = new Set<number>();
  const ids = new Set<number>();
  const unknown = new Set<number>();
  let valid = true;
  let present = false;
  inputs.forEach((input, n) => {
    const decoded = gpp[n];
    if (!input.gpp || !decoded) return;
    present = true;
    valid &&= decoded.valid;
    for (const id of decoded.sectionIds) ids.add(id);
    for (const id of decoded.unknownSectionIds ?? []) unknown.add(id);
    // `[-1]` declares that no section applies: nothing here names a jurisdiction.
    for (const id of declaredSections(input.gpp.applicableSections) ?? decoded.sectionIds) applicable.add(id);
    for (const [k, v] of Object.entries(decoded.us) as Array<[keyof UsOptOuts, boolean]>) us[k] = us[k] === true || v;
  });
  if (gpcHeader || inputs.some((i) => i.gpc === true)) us.gpc = true;
  const reading = { valid, sectionIds: [...ids], ...(unknown.size > 0 ? { unknownSectionIds: [...unknown] } : {}) };
  return { us, applicableSections: [...applicable], ...(present ? { gpp: reading } : {}) };
}

/** Any US opt-out (GPP sale/sharing/targeted ads, GPC) blocks every destination. */
export function hasUsOptOut(s: ConsentSnapshot): boolean {
  const us = s.us;
  return !!us && (us.saleOptOut === true || us.sharingOptOut === true || us.targetedAdsOptOut === true || us.gpc === true);
}
