import type { ConsentPolicy } from "../config/types";
import { GPP_SECTION_TCF_CA, GPP_SECTION_TCF_EU, isUsSection } from "./gpp";
import type { Jurisdiction } from "./types";

export interface JurisdictionEvidence {
  /** A TC string that applies (gdprApplies true, or absent: decision table row 7 treats it as applying). */
  tcfApplies: boolean;
  /** A CMP explicitly said GDPR does not apply. */
  gdprNotApplicable: boolean;
  /** GPP sections the CMP declared applicable, else the sections the string carries. */
  gppSections: number[];
}

/**
 * The user's jurisdiction: the tenant's setting when it names one, else derived from the CMP's
 * own signals, else UNKNOWN (which is handled like the EEA). The EEA wins over any other hint
 * because it carries the strictest rules.
 */
export function resolveJurisdiction(userRegion: ConsentPolicy["userRegion"], e: JurisdictionEvidence): Jurisdiction {
  if (userRegion === "eea") return "EEA_UK_CH";
  if (userRegion === "us") return "US";
  if (userRegion === "other") return "OTHER";
  if (e.tcfApplies || e.gppSections.includes(GPP_SECTION_TCF_EU)) return "EEA_UK_CH";
  if (e.gppSections.some(isUsSection)) return "US";
  if (e.gdprNotApplicable || e.gppSections.includes(GPP_SECTION_TCF_CA)) return "OTHER";
  return "UNKNOWN";
}
