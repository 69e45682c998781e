import { GppModel, HeaderV1, Sections } from "@iabgpp/cmpapi";
import type { UsOptOuts } from "./types";

export const GPP_SECTION_TCF_EU = 2;
export const GPP_SECTION_TCF_CA = 5;

export interface GppDecoded {
  valid: boolean;
  /** Section ids listed in the string's header, in order. */
  sectionIds: number[];
  /** Opt-outs found in any US section (usnat, state sections, uspv1). */
  us: UsOptOuts;
  /** The raw EU TC string carried as section 2, for the TCF decoder. */
  tcfEuString?: string;
  /** Section ids in the header that this decoder cannot read (it skips them silently). */
  unknownSectionIds?: number[];
}

/** "No section applies" in `applicableSections` (IAB GPP CMP API: `[-1]`). */
export const GPP_NO_SECTION_APPLIES = -1;

/**
 * The sections a CMP declared applicable: `[-1]` means none applies (not "not declared"), an
 * absent or empty list means not declared (undefined). IAB GPP CMP API, `applicableSections`:
 * https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Core/CMP%20API%20Specification.md
 */
export function declaredSections(applicableSections: readonly number[] | undefined): number[] | undefined {
  if (!applicableSections || applicableSections.length === 0) return undefined;
  if (applicableSections.includes(GPP_NO_SECTION_APPLIES)) return [];
  const ids = applicableSections.filter((id) => id > 0);
  return ids.length > 0 ? ids : undefined;
}

/** US sections are named `us…` (uspv1, usnat, usca, …); names survive new state sections. */
export function isUsSection(sectionId: number): boolean {
  return Sections.SECTION_ID_NAME_MAP.get(sectionId)?.startsWith("us") ?? false;
}

// Field values of the US sections (IAB GPP US National,
// https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/tree/main/Sections): 1 = Opted Out, 2 = Did Not Opt Out, 0 = N/A.
const OPTED_OUT = 1;

/**
 * Decodes a GPP string with `GppModel`, the encoder/decoder half of `@iabgpp/cmpapi` that needs
 * no `window` (unlike `CmpApi`). Every US section is read, applicable or not: an opt-out recorded
 * anywhere is honoured. An unreadable string is invalid, never an exception.
 */
export function decodeGpp(gppString: string): GppDecoded {
  try {
    const model = new GppModel(gppString);
    const sectionIds = (model.getSectionIds() as unknown[]).filter((n): n is number => typeof n === "number");
    const us: UsOptOuts = {};
    const mark = (key: keyof UsOptOuts, hit: boolean) => {
      if (hit) us[key] = true;
      else if (us[key] === undefined) us[key] = false;
    };
    for (const id of sectionIds) {
      const name = Sections.SECTION_ID_NAME_MAP.get(id);
      if (!name || !isUsSection(id)) continue;
      const section = model.getSection(name) as Record<string, unknown> | null;
      if (!section) continue;
      if (name === "uspv1") {
        // The older US Privacy string: "Y" in OptOutSale is an opt-out of sale.
        mark("saleOptOut", section.OptOutSale === "Y");
        continue;
      }
      if ("SaleOptOut" in section) mark("saleOptOut", section.SaleOptOut === OPTED_OUT);
      if ("SharingOptOut" in section) mark("sharingOptOut", section.SharingOptOut === OPTED_OUT);
      if ("TargetedAdvertisingOptOut" in section) mark("targetedAdsOptOut", section.TargetedAdvertisingOptOut === OPTED_OUT);
      if ("Gpc" in section) mark("gpc", section.Gpc === true);
    }
    const out: GppDecoded = { valid: true, sectionIds, us };
    // The model lists only sections it knows; the header says what the string really carries.
    const headerIds = headerSectionIds(gppString);
    const unknownSectionIds = headerIds.filter((id) => !Sections.SECTION_ID_NAME_MAP.has(id));
    if (unknownSectionIds.length > 0) out.unknownSectionIds = unknownSectionIds;
    const tcf = tcfEuSectionIn(gppString, headerIds);
    if (tcf) out.tcfEuString = tcf;
    return out;
  } catch {
    return { valid: false, sectionIds: [], us: {} };
  }
}

/** The section ids a GPP string's header lists, in order (throws when the header cannot be read). */
function headerSectionIds(gppString: string): number[] {
  return (new HeaderV1(gppString.split("~")[0]).getFieldValue("SectionIds") as unknown[]).filter((n): n is number => typeof n === "number");
}

/**
 * The text of the TCF EU section (the TC string itself, core plus its optional segments): section
 * texts follow the header in the header's order, unknown sections included.
 */
function tcfEuSectionIn(gppString: string, headerIds: readonly number[]): string | undefined {
  const tcfIndex = headerIds.indexOf(GPP_SECTION_TCF_EU);
  return tcfIndex >= 0 ? gppString.split("~")[tcfIndex + 1] || undefined : undefined;
}

/**
 * A GPP string's TCF EU section, read from the header alone: also for a string whose sections
 * the decoder cannot read, so a TC string that cannot be read is still known to be there.
 * Undefined when the header cannot be read or lists no section 2.
 */
export function tcfEuSectionOf(gppString: string): string | undefined {
  try {
    return tcfEuSectionIn(gppString, headerSectionIds(gppString));
  } catch {
    return undefined;
  }
}
