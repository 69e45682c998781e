import { GppModel } from "@iabgpp/cmpapi";
import { GVL, PurposeRestriction, Segment, TCModel, TCString } from "@iabtechlabtcf/core";
import { DEFAULT_CONSENT_POLICY, type ConsentPolicy } from "../../src/config/types";
import type { EffectiveConsentPolicy } from "../../src/consent/policy";

export const META = { id: "meta", type: "meta" } as const;
export const ADS = { id: "ads", type: "google_ads" } as const;
export const DATA_MANAGER = { id: "dm", type: "google_data_manager" } as const;

/** Every Google signal granting what it can: for destinations Google's signals must never grant. */
export const GOOGLE_SIGNALS_GRANTED = {
  gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted", analytics_storage: "granted" },
  gcmDefault: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" },
  gcd: "13t3t3t3t5",
  gcs: "G111",
} as const;

export const policy = (p: Partial<EffectiveConsentPolicy> = {}): EffectiveConsentPolicy => ({ ...DEFAULT_CONSENT_POLICY, ...p });
export const deniedFlag = (p: Partial<ConsentPolicy> = {}) => policy({ googleOnDenied: "send_denied_flag", ...p });

const entry = (id: number) => [String(id), { id, name: `item ${id}`, description: "" }] as const;
const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * A minimal Global Vendor List, built locally: encoding needs one (the library drops signals a
 * vendor has not declared) but fetching it is impossible here. Vendor 755 is declared as in the
 * published Global Vendor List v178 (https://vendor-list.consensu.org/v3/vendor-list.json):
 * purposes 1, 3, 4 by consent; 2, 7, 9, 10 by legitimate interest, flexible.
 */
function localGvl(tcfPolicyVersion: number): GVL {
  return new GVL({
    gvlSpecificationVersion: 3,
    vendorListVersion: 100 + tcfPolicyVersion,
    tcfPolicyVersion,
    lastUpdated: "2026-01-01T00:00:00Z",
    purposes: Object.fromEntries(ids(11).map(entry)),
    specialPurposes: Object.fromEntries(ids(3).map(entry)),
    features: Object.fromEntries(ids(3).map(entry)),
    specialFeatures: Object.fromEntries(ids(2).map(entry)),
    stacks: {},
    vendors: {
      755: {
        id: 755,
        name: "Google Advertising Products",
        purposes: [1, 3, 4],
        legIntPurposes: [2, 7, 9, 10],
        flexiblePurposes: [2, 7, 9, 10],
        specialPurposes: [1, 2, 3],
        features: [1, 2, 3],
        specialFeatures: [],
        policyUrl: "https://policies.google.com/privacy",
      },
    },
  } as unknown as ConstructorParameters<typeof GVL>[0]);
}

export interface TcOptions {
  purposes?: number[];
  purposesLI?: number[];
  vendorConsent?: boolean;
  vendorLI?: boolean;
  /** Include a Disclosed Vendors segment (TCF v2.3). */
  disclosedSegment?: boolean;
  disclosed?: number[];
  created?: string;
  policyVersion?: number;
  restrictions?: Array<{ purposeId: number; type: 0 | 1 | 2 }>;
  /** `LastUpdated`; defaults to `created`. */
  lastUpdated?: string;
  isServiceSpecific?: boolean;
  purposeOneTreatment?: boolean;
  publisherCC?: string;
}

/** A TC string built with the library's own encoder; defaults grant everything Google needs. */
export function tcString(o: TcOptions = {}): string {
  const model = new TCModel(localGvl(o.policyVersion ?? 5));
  model.cmpId = 10;
  model.cmpVersion = 1;
  model.purposeConsents.set(o.purposes ?? [1, 3, 4, 7, 9]);
  model.purposeLegitimateInterests.set(o.purposesLI ?? [2, 7, 10]);
  if (o.vendorConsent ?? true) model.vendorConsents.set(755);
  if (o.vendorLI ?? true) model.vendorLegitimateInterests.set(755);
  model.vendorsDisclosed.set(o.disclosed ?? [755]);
  const created = new Date(o.created ?? "2026-03-05T00:00:00Z");
  model.created = created;
  model.lastUpdated = o.lastUpdated ? new Date(o.lastUpdated) : created;
  model.isServiceSpecific = o.isServiceSpecific ?? true;
  model.purposeOneTreatment = o.purposeOneTreatment ?? false;
  if (o.publisherCC) model.publisherCountryCode = o.publisherCC;
  for (const r of o.restrictions ?? []) model.publisherRestrictions.add(755, new PurposeRestriction(r.purposeId, r.type));
  const segments = (o.disclosedSegment ?? true) ? [Segment.CORE, Segment.VENDORS_DISCLOSED] : [Segment.CORE];
  return TCString.encode(model, { segments });
}

/** A GPP string with one US section, built with the library's encoder. */
export function gppString(section: string, fields: Record<string, unknown>): string {
  const model = new GppModel();
  for (const [k, v] of Object.entries(fields)) model.setFieldValue(section, k, v);
  return model.encode();
}
