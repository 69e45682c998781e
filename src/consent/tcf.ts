import { TCString, type TCModel } from "@iabtechlabtcf/core";
import type { TcfDetails, TcfGoogleReason, TcfInvalidReason, TcfRestriction, Tri } from "./types";

/** Google Advertising Products on the Global Vendor List. */
export const GOOGLE_VENDOR_ID = 755;

/** TCF 2.2 is policy version 4; anything older predates the rules Google enforces. */
export const MIN_POLICY_VERSION = 4;

/** TCF v2.3 makes the Disclosed Vendors segment mandatory for strings created from this day. */
export const DISCLOSED_VENDORS_REQUIRED_FROM = Date.UTC(2026, 2, 1);

const RESTRICTION_NOT_ALLOWED = 0;
const RESTRICTION_REQUIRE_CONSENT = 1;
const RESTRICTION_REQUIRE_LI = 2;

// The RFC 4648 base64url alphabet (not the digits-first one Consent Mode's gcd uses).
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SEGMENT_DISCLOSED_VENDORS = 1;

/**
 * Whether a Disclosed Vendors segment is present. The library only exposes the decoded vector,
 * which is also empty when a segment lists no vendor, so the segment types are read directly:
 * each optional segment starts with a 3-bit type, the top bits of its first base64url character.
 */
export function hasDisclosedVendorsSegment(tcString: string): boolean {
  return tcString
    .split(".")
    .slice(1)
    .some((segment) => BASE64URL.indexOf(segment.charAt(0)) >> 3 === SEGMENT_DISCLOSED_VENDORS);
}

function emptyDetails(gdprApplies: boolean | undefined, invalidReason: TcfInvalidReason): TcfDetails {
  return {
    valid: false,
    invalidReason,
    ...(gdprApplies === undefined ? {} : { gdprApplies }),
    applies: gdprApplies !== false,
    disclosedVendorsSegment: false,
    p1: false,
    p3: false,
    p4: false,
    p7: false,
    p7LI: false,
    v755Consent: false,
    v755LI: false,
    v755Disclosed: false,
    restricted755: [],
    google: { adUserData: "unknown", adPersonalization: "unknown", adStorage: "unknown", reason: invalidReason, explicitDenial: false },
  };
}

function time(d: unknown): number | undefined {
  return d instanceof Date && Number.isFinite(d.getTime()) ? d.getTime() : undefined;
}

/**
 * Decodes and judges a TC string (reference §4.1, §6.1). Malformed input of any kind is an
 * invalid string, never an exception: the library throws DecodingError and, for some garbage,
 * plain TypeErrors.
 */
export function decodeTcf(tcString: string, gdprApplies?: boolean): TcfDetails {
  let model: TCModel;
  try {
    model = TCString.decode(tcString);
  } catch {
    return emptyDetails(gdprApplies, "tcf_invalid");
  }
  const createdAt = time(model.created);
  const lastUpdatedAt = time(model.lastUpdated);
  const policyVersion = Number(model.policyVersion);
  const disclosedVendorsSegment = hasDisclosedVendorsSegment(tcString);
  const restricted755: TcfRestriction[] = model.publisherRestrictions
    .getRestrictions(GOOGLE_VENDOR_ID)
    .map((r) => ({ purposeId: Number(r.purposeId), type: Number(r.restrictionType) }));

  let invalidReason: TcfInvalidReason | undefined;
  if (Number(model.version) !== 2 || createdAt === undefined) invalidReason = "tcf_invalid";
  else if (!(policyVersion >= MIN_POLICY_VERSION)) invalidReason = "tcf_policy_outdated";
  else if (createdAt >= DISCLOSED_VENDORS_REQUIRED_FROM && !disclosedVendorsSegment) invalidReason = "tcf_vendors_disclosed_missing";

  const details: TcfDetails = {
    valid: invalidReason === undefined,
    ...(invalidReason ? { invalidReason } : {}),
    ...(gdprApplies === undefined ? {} : { gdprApplies }),
    applies: gdprApplies !== false,
    version: Number(model.version),
    policyVersion,
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(lastUpdatedAt === undefined ? {} : { lastUpdatedAt }),
    disclosedVendorsSegment,
    p1: model.purposeConsents.has(1),
    p3: model.purposeConsents.has(3),
    p4: model.purposeConsents.has(4),
    p7: model.purposeConsents.has(7),
    p7LI: model.purposeLegitimateInterests.has(7),
    v755Consent: model.vendorConsents.has(GOOGLE_VENDOR_ID),
    v755LI: model.vendorLegitimateInterests.has(GOOGLE_VENDOR_ID),
    v755Disclosed: model.vendorsDisclosed.has(GOOGLE_VENDOR_ID),
    restricted755,
    google: { adUserData: "unknown", adPersonalization: "unknown", adStorage: "unknown", reason: invalidReason ?? "tcf_granted", explicitDenial: false },
  };
  if (details.valid) details.google = deriveGoogle(details);
  return details;
}

/** A string may carry several restriction types for one purpose; each one applies. */
function restricted(d: TcfDetails, purposeId: number, type: number): boolean {
  return d.restricted755.some((r) => r.purposeId === purposeId && r.type === type);
}

/**
 * Whether purpose 1 and 7 may be used by vendor 755 once the publisher's restriction types 1 and
 * 2 are applied. Type 1 (require consent) closes the legitimate-interest route; type 2 (require
 * LI) closes the consent route, which leaves purpose 1 (consent-only in TCF) with no legal basis.
 */
function basisSurvivesRestrictions(d: TcfDetails): boolean {
  if (restricted(d, 1, RESTRICTION_REQUIRE_LI)) return false;
  if (restricted(d, 1, RESTRICTION_REQUIRE_CONSENT) && !d.v755Consent) return false;
  if (restricted(d, 7, RESTRICTION_REQUIRE_CONSENT) && !(d.p7 && d.v755Consent)) return false;
  if (restricted(d, 7, RESTRICTION_REQUIRE_LI) && !(d.p7LI && d.v755LI)) return false;
  return true;
}

/**
 * Google's signals from a valid string, per reference §6.1 (our conservative rule; Google's own
 * mapping table is unverified). Publisher-side blocks come first because they rule out even the
 * denied flag; a user's refusal of a purpose or of vendor 755 is an explicit denial (§6.3 row 9).
 */
function deriveGoogle(d: TcfDetails): TcfDetails["google"] {
  const notAllowed = (p: number) => restricted(d, p, RESTRICTION_NOT_ALLOWED);
  const adStorage: Tri = d.p1 && d.v755Consent && !notAllowed(1) ? "granted" : "denied";
  // Purposes 3 and 4 are consent-only since TCF 2.2, so only vendor consent can carry them.
  const adPersonalization: Tri = d.p3 && d.p4 && d.v755Consent && !notAllowed(3) && !notAllowed(4) ? "granted" : "denied";
  const deny = (reason: TcfGoogleReason, explicitDenial: boolean): TcfDetails["google"] => ({
    adUserData: "denied",
    adPersonalization,
    adStorage,
    reason,
    explicitDenial,
  });

  if (notAllowed(1) || notAllowed(7)) return deny("tcf_vendor_755_restricted", false);
  // Without a Disclosed Vendors segment (allowed before 2026-03-01) disclosure cannot be judged.
  if (d.disclosedVendorsSegment && !d.v755Disclosed) return deny("tcf_vendor_755_not_disclosed", false);
  if (!d.p1) return deny("tcf_purpose_1_denied", true);
  if (!(d.p7 || (d.p7LI && d.v755LI))) return deny("tcf_purpose_7_denied", true);
  if (!(d.v755Consent || d.v755LI)) return deny("tcf_vendor_755_no_consent", true);
  if (!basisSurvivesRestrictions(d)) return deny("tcf_vendor_755_restricted", false);
  return { adUserData: "granted", adPersonalization, adStorage, reason: "tcf_granted", explicitDenial: false };
}
