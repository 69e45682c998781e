import type { ExplicitConsentFlag } from "../destinations/registry";
import type { ConsentState } from "../events/conversion";

/**
 * The normalized consent model. Every value is plain
 * JSON (epoch milliseconds, no Dates) because snapshots are stored with events and beacons.
 */
export type Tri = "granted" | "denied" | "unknown";

/** Never guessed: OTHER only comes from a tenant setting or a CMP's own "GDPR does not apply". */
export type Jurisdiction = "EEA_UK_CH" | "US" | "OTHER" | "UNKNOWN";

/** Signals seen; an explicit platform flag is named after its field (`"meta"`). */
export type ConsentSource = "gcm" | "gcm_default" | "gcd" | "gcs" | "tcf" | "gpp" | "gpc" | "categories" | ExplicitConsentFlag;

export type GoogleProvenance = "explicit_update" | "default_only" | "tcf_derived" | "none";

/**
 * Verdicts from a platform's explicit flag, named after it (`meta_granted`, `meta_denied`,
 * `meta_consent_missing`), so a new destination brings its reasons with its definition.
 */
export type ExplicitGrantReason = `${ExplicitConsentFlag}_granted`;
export type ExplicitBlockReason = `${ExplicitConsentFlag}_denied` | `${ExplicitConsentFlag}_consent_missing`;
export type ExplicitReason = ExplicitGrantReason | ExplicitBlockReason;

/** Reasons recorded on a delivery; grants and blocks alike, so the log always says why. */
export type GrantReason =
  | "gcm_ad_user_data_granted"
  | "gcm_ad_user_data_default_granted"
  | "tcf_granted"
  | "category_granted"
  | ExplicitGrantReason;

/** A valid TC string refusing a purpose every destination granted by an explicit flag needs. */
export type TcfRefusal = "tcf_purpose_1_denied" | "tcf_purpose_7_denied";

export type TcfInvalidReason = "tcf_invalid" | "tcf_not_service_specific" | "tcf_policy_outdated" | "tcf_vendors_disclosed_missing";

/** TCF outcomes for Google's ad_user_data, in the order they are checked (see tcf.ts). */
export type TcfGoogleReason =
  | "tcf_granted"
  | "tcf_vendor_755_restricted"
  | "tcf_vendor_755_not_disclosed"
  | "tcf_purpose_1_denied"
  | "tcf_purpose_7_denied"
  | "tcf_vendor_755_no_consent";

export type BlockReason =
  | "consent_missing"
  /** A consent field carried a value that is not one of its known values (e.g. `meta: "yes"`). */
  | "consent_malformed"
  | "withdrawn"
  | "us_opt_out"
  | "gpp_invalid"
  /** A GPP string carries a section the decoder cannot read, where a US opt-out could hide. */
  | "gpp_section_unknown"
  | TcfInvalidReason
  | "gcd_invalid"
  | "gcs_invalid"
  | "consent_conflict"
  | "category_denied"
  | "gcm_ad_user_data_denied"
  /** Denied by the page's default only: no user choice yet. */
  | "gcm_ad_user_data_default_denied"
  | "gcm_ad_user_data_missing"
  | "gcm_default_only"
  | Exclude<TcfGoogleReason, "tcf_granted">
  /** The destination's type is not (or no longer) known to this relay: nothing can grant it. */
  | "destination_type_unknown"
  | ExplicitBlockReason;

export type ConsentReason = GrantReason | BlockReason;

export type ConsentProblem =
  | TcfInvalidReason
  | "gcd_invalid"
  | "gcs_invalid"
  | "gpp_invalid"
  | "gpp_section_unknown"
  | "consent_malformed"
  | "consent_conflict";

/** A publisher restriction on vendor 755: type 0 not allowed, 1 require consent, 2 require LI. */
export interface TcfRestriction {
  purposeId: number;
  type: number;
}

export interface TcfDetails {
  valid: boolean;
  /** Why the string is not valid; absent when valid. */
  invalidReason?: TcfInvalidReason;
  /** `gdprApplies` as the CMP reported it; absent means "treat as applying" (decision table row 7). */
  gdprApplies?: boolean;
  /** False only when the CMP said GDPR does not apply: the string is then ignored. */
  applies: boolean;
  version?: number;
  policyVersion?: number;
  createdAt?: number;
  lastUpdatedAt?: number;
  disclosedVendorsSegment: boolean;
  /** `IsServiceSpecific`; a global-scope string (false) has been invalid since TCF 2.2. */
  serviceSpecific?: boolean;
  /** `PurposeOneTreatment`: Purpose 1 was not disclosed to the user at all. */
  purposeOneTreatment?: boolean;
  /** `PublisherCC`, the publisher's country of establishment (ISO 3166-1 alpha-2). */
  publisherCC?: string;
  p1: boolean;
  p3: boolean;
  p4: boolean;
  p7: boolean;
  p7LI: boolean;
  v755Consent: boolean;
  v755LI: boolean;
  v755Disclosed: boolean;
  restricted755: TcfRestriction[];
  /** Google's signals derived from the string (unknown when invalid). */
  google: {
    adUserData: Tri;
    adPersonalization: Tri;
    adStorage: Tri;
    reason: TcfGoogleReason | TcfInvalidReason;
    /** A user's refusal (purpose or vendor), which may carry Google's denied flag (decision table row 9). */
    explicitDenial: boolean;
  };
}

export interface UsOptOuts {
  saleOptOut?: boolean;
  sharingOptOut?: boolean;
  targetedAdsOptOut?: boolean;
  gpc?: boolean;
}

export interface GoogleConsent {
  adStorage: Tri;
  adUserData: Tri;
  adPersonalization: Tri;
  analyticsStorage: Tri;
  /** Where `adUserData` came from. */
  provenance: GoogleProvenance;
  /** Why `adUserData` is what it is, as a delivery reason. */
  reason: ConsentReason;
  /** A denial the user (or a page default, decision table row 5) expressed, as opposed to an unknown. */
  explicitDenial: boolean;
}

export interface ConsentSnapshot {
  kind: "consent_snapshot";
  version: 1;
  receivedAt: number;
  /** When the user last made the choice, where a signal says so (TCF `lastUpdated`). */
  capturedAt?: number;
  sources: ConsentSource[];
  jurisdiction: Jurisdiction;
  google: GoogleConsent;
  /** The explicit platform flags given (`{ meta: "granted" }`), agreed across inputs; absent when none. */
  explicit?: Partial<Record<ExplicitConsentFlag, ConsentState>>;
  /** Set when a valid TC string refuses purpose 1 or 7: no explicit flag can grant then. */
  tcfRefusal?: TcfRefusal;
  tcf?: TcfDetails;
  us?: UsOptOuts;
  gpp?: { valid: boolean; sectionIds: number[]; unknownSectionIds?: number[] };
  /** Raw CMP categories; decisions map them with the tenant's current categoryMap. */
  categories?: {
    raw: Record<string, boolean>;
    /** As mapped at normalization time, for the log. */
    byDestination: Record<string, ConsentState>;
    unmapped: string[];
  };
  /** Consent fields received but unreadable (see ConsentInput.malformed); they block. */
  malformed?: string[];
  /** Signals whose sources disagree ("ad_user_data", an explicit flag such as "meta", …); denied wins. */
  conflicts: string[];
  problems: ConsentProblem[];
  withdrawnAt?: number;
}
