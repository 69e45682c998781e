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
 * Decodes and judges a TC string. Malformed input of any kind is an
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
  // Global-scope strings (IsServiceSpecific = 0) were retired with TCF 2.2's policy; a string
  // that still claims it cannot come from a compliant CMP
  // (https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/).
  else if (model.isServiceSpecific !== true) invalidReason = "tcf_not_service_specific";
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
    serviceSpecific: model.isServiceSpecific === true,
    purposeOneTreatment: model.purposeOneTreatment === true,
    publisherCC: String(model.publisherCountryCode ?? ""),
    p1: model.purposeConsents.has(1),
    p3: model.purposeConsents.has(3),
    p4: model.purposeConsents.has(4),
    p7: model.purposeConsents.has(7),
    p7LI: model.purposeLegitimateInterests.has(7),
    v755Consent: model.vendorConsents.has(GOOGLE_VENDOR_ID),
    v755LI: model.vendorLegitimateInterests.has(GOOGLE_VENDOR_ID),
    v755Disclosed: model.vendorsDisclosed.has(GOOGLE_VENDOR_ID),
    restricted755,
    google: {
      adUserData: "unknown",
      adPersonalization: "unknown",
      adStorage: "unknown",
      reason: invalidReason ?? "tcf_granted",
      explicitDenial: false,
    },
  };
  if (details.valid) details.google = deriveGoogle(details);
  return details;
}

/** A string may carry several restriction types for one purpose; each one applies. */
function restricted(d: TcfDetails, purposeId: number, type: number): boolean {
  return d.restricted755.some((r) => r.purposeId === purposeId && r.type === type);
}

/**
 * Purpose One Treatment as Google reads it: Purpose 1 consent is not expected only from a German
 * publisher that sets `PurposeOneTreatment` with `PublisherCC = DE` (Google's TCF error 1.2, "No
 * consent for Purpose 1 ... German publishers should ensure they are setting the PublisherCC and
 * PurposeOneTreatment fields correctly if they are not asking users for consent",
 * https://support.google.com/admanager/answer/9999955). Any other country still needs consent.
 */
export function purposeOneWaived(d: Pick<TcfDetails, "purposeOneTreatment" | "publisherCC">): boolean {
  return d.purposeOneTreatment === true && d.publisherCC === "DE";
}

type Route = "consent" | "li";

/**
 * The legal bases vendor 755 may use for a purpose: its GVL declaration (purposes 1, 3, 4 by
 * consent; 7 by legitimate interest, flexible so a publisher may require consent instead) narrowed
 * by the publisher's restriction types 1 (require consent) and 2 (require LI). See the IAB TCF
 * policies, https://iabeurope.eu/iab-europe-transparency-consent-framework-policies/ , and the
 * restriction semantics of the TC string spec,
 * https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md
 */
function routes(d: TcfDetails, purposeId: number, declared: readonly Route[]): Route[] {
  if (restricted(d, purposeId, RESTRICTION_REQUIRE_CONSENT)) return ["consent"];
  if (restricted(d, purposeId, RESTRICTION_REQUIRE_LI)) return declared.includes("li") ? ["li"] : [];
  return [...declared];
}

/**
 * Whether a route is open: the purpose signal and vendor 755's signal must both be positive for
 * that basis ("only if both signals are positive for the applicable legal basis"). Consent needs
 * purpose consent and vendor consent; legitimate interest needs both LI bits, which a CMP clears
 * when the user objects.
 */
function routeOpen(d: TcfDetails, purposeId: number, route: Route): boolean {
  if (route === "consent") {
    const purposeConsent = purposeId === 1 ? d.p1 : purposeId === 3 ? d.p3 : purposeId === 4 ? d.p4 : purposeId === 7 ? d.p7 : false;
    return purposeConsent && d.v755Consent;
  }
  return purposeId === 7 && d.p7LI && d.v755LI;
}

const PURPOSE_1_ROUTES: readonly Route[] = ["consent"];
const PURPOSE_7_ROUTES: readonly Route[] = ["consent", "li"];

/**
 * Google's signals from a valid string. Purpose 1 needs purpose consent and vendor 755 consent,
 * never legitimate interest (TCF purposes 1, 3 and 4 are consent-only); purpose 7 may rest on
 * consent or on legitimate interest the user has not objected to, as Google's serving rules
 * state (https://support.google.com/admanager/answer/9805023: "Purposes 2, 7, 9 and 10:
 * consent or legitimate interest"; https://developers.google.com/admob/android/privacy/ad-serving-modes:
 * "Both purposes consent and vendor consent are required"). Publisher-side blocks come first
 * because they rule out even the denied flag; a user's refusal of a purpose or of vendor 755 is
 * an explicit denial.
 */
function deriveGoogle(d: TcfDetails): TcfDetails["google"] {
  const notAllowed = (p: number) => restricted(d, p, RESTRICTION_NOT_ALLOWED);
  const p1Waived = purposeOneWaived(d);
  const adStorage: Tri = (p1Waived || routeOpen(d, 1, "consent")) && !notAllowed(1) ? "granted" : "denied";
  const consentOnly = (p: number) => routes(d, p, ["consent"]).includes("consent") && routeOpen(d, p, "consent") && !notAllowed(p);
  const adPersonalization: Tri = consentOnly(3) && consentOnly(4) ? "granted" : "denied";
  const deny = (reason: TcfGoogleReason, explicitDenial: boolean): TcfDetails["google"] => ({
    adUserData: "denied",
    adPersonalization,
    adStorage,
    reason,
    explicitDenial,
  });

  if ((!p1Waived && notAllowed(1)) || notAllowed(7)) return deny("tcf_vendor_755_restricted", false);
  // Without a Disclosed Vendors segment (allowed before 2026-03-01) disclosure cannot be judged.
  if (d.disclosedVendorsSegment && !d.v755Disclosed) return deny("tcf_vendor_755_not_disclosed", false);
  if (!p1Waived) {
    if (!d.p1) return deny("tcf_purpose_1_denied", true);
    // The vendor LI bit never stands in for vendor consent: a user who switched Google off in
    // the vendor list (CMPs leave LI on) has refused it.
    if (!d.v755Consent) return deny("tcf_vendor_755_no_consent", true);
    if (routes(d, 1, PURPOSE_1_ROUTES).length === 0) return deny("tcf_vendor_755_restricted", false);
  }
  const open7 = routes(d, 7, PURPOSE_7_ROUTES);
  if (!open7.some((r) => routeOpen(d, 7, r))) {
    // The user allowed a route the publisher closed: the publisher's doing, not a refusal.
    if (PURPOSE_7_ROUTES.some((r) => routeOpen(d, 7, r))) return deny("tcf_vendor_755_restricted", false);
    if (!d.p7 && !d.p7LI) return deny("tcf_purpose_7_denied", true);
    // The purpose is allowed but vendor 755 lacks the matching signal for it.
    return deny("tcf_vendor_755_no_consent", true);
  }
  return { adUserData: "granted", adPersonalization, adStorage, reason: "tcf_granted", explicitDenial: false };
}
