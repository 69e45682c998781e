import type { DestinationType } from "../config/types";
import { CONSENT_RULES, type ExplicitConsentFlag } from "../destinations/registry";
import type { ConsentRule } from "../destinations/definition";
import type { ConsentInput } from "../events/conversion";
import { categoryStateFor } from "./categories";
import { defaultsCountOutsideEea, type EffectiveConsentPolicy } from "./policy";
import { isConsentSnapshot, normalizeConsent } from "./snapshot";
import { hasUsOptOut } from "./us";
import type { BlockReason, ConsentReason, ConsentSnapshot } from "./types";

export type Decision = "send" | "send_denied_flag" | "blocked";

export interface ConsentVerdict {
  decision: Decision;
  /** Machine-readable reason, recorded on the delivery (e.g. `consent_missing`, `meta_granted`). */
  reason: ConsentReason;
}

export interface DestinationRef {
  id: string;
  type: DestinationType;
}

export interface DecideOptions {
  /** Receipt time for the snapshot, epoch ms; only recorded. */
  now?: number;
  /** `Sec-GPC: 1` was seen on the request that carried the consent. */
  gpcHeader?: boolean;
  /** The subject has withdrawn consent. */
  withdrawn?: boolean;
}

const blocked = (reason: BlockReason): ConsentVerdict => ({ decision: "blocked", reason });
const send = (reason: ConsentReason): ConsentVerdict => ({ decision: "send", reason });

/** Fields that speak for every destination. */
const FIELDS_FOR_ALL = new Set(["consent", "tcf", "gpp", "gpc"]);
const FIELDS_FOR_GOOGLE = new Set(["gcm", "gcmDefault", "gcd", "gcs"]);

/** The destination's consent rule, from its definition; undefined for a type this relay does not know. */
function ruleFor(destination: DestinationRef): ConsentRule<ExplicitConsentFlag> | undefined {
  return Object.hasOwn(CONSENT_RULES, destination.type) ? CONSENT_RULES[destination.type] : undefined;
}

/**
 * Whether an unreadable field could have spoken for this destination: then its verdict is
 * ambiguous, whatever another field grants. A category concerns the destinations it is mapped to.
 */
function malformedFor(
  s: ConsentSnapshot,
  destination: DestinationRef,
  rule: ConsentRule<ExplicitConsentFlag>,
  policy: EffectiveConsentPolicy,
): boolean {
  const map = policy.categoryMap ?? {};
  const mappedHere = (category: string) => Object.hasOwn(map, category) && (map[category]?.includes(destination.id) ?? false);
  return (s.malformed ?? []).some((field) => {
    if (FIELDS_FOR_ALL.has(field)) return true;
    if (FIELDS_FOR_GOOGLE.has(field)) return rule.googleConsentMode === "grants";
    if (field === rule.explicitFlag) return true;
    if (field === "categories") return Object.keys(map).some(mappedHere);
    return field.startsWith("categories.") && mappedHere(field.slice("categories.".length));
  });
}

/** Blocks that apply to every destination, in the order they are reported. */
function commonBlock(
  s: ConsentSnapshot,
  destination: DestinationRef,
  rule: ConsentRule<ExplicitConsentFlag>,
  policy: EffectiveConsentPolicy,
): BlockReason | undefined {
  if (s.withdrawnAt !== undefined) return "withdrawn";
  if (hasUsOptOut(s)) return "us_opt_out";
  if (malformedFor(s, destination, rule, policy)) return "consent_malformed";
  if (s.sources.length === 0) return "consent_missing";
  // An unreadable GPP string might hide an opt-out; an invalid TC string is ambiguous (decision table row 8).
  if (s.gpp && !s.gpp.valid) return "gpp_invalid";
  // A section the decoder cannot read may hold a US opt-out. It matters wherever US rules may
  // apply: anywhere but the EEA, unless the tenant itself placed its users outside the US.
  if ((s.gpp?.unknownSectionIds?.length ?? 0) > 0 && s.jurisdiction !== "EEA_UK_CH" && policy.userRegion !== "other") {
    return "gpp_section_unknown";
  }
  if (s.tcf?.applies && !s.tcf.valid) return s.tcf.invalidReason ?? "tcf_invalid";
  // Google's signals contradicting each other leave no trustworthy answer for anyone (decision table row 11).
  if (s.conflicts.includes("ad_user_data")) return "consent_conflict";
  return undefined;
}

function decideGoogle(s: ConsentSnapshot, destination: DestinationRef, policy: EffectiveConsentPolicy): ConsentVerdict {
  // A garbled Consent Mode string could be hiding a denial.
  if (s.problems.includes("gcd_invalid")) return blocked("gcd_invalid");
  if (s.problems.includes("gcs_invalid")) return blocked("gcs_invalid");
  const category = categoryStateFor(s.categories?.raw, policy.categoryMap, destination.id);
  let { adUserData: state, reason } = s.google;
  const outsideEea = s.jurisdiction === "US" || s.jurisdiction === "OTHER";
  if (s.google.provenance === "default_only" && state === "granted" && !(outsideEea && defaultsCountOutsideEea(policy))) {
    state = "unknown";
    reason = "gcm_default_only";
  }
  if (category === "denied") return blocked(state === "granted" ? "consent_conflict" : "category_denied");
  if (state === "denied") {
    // Denied mode needs a denial someone expressed; an unknown is never sent.
    return s.google.explicitDenial && policy.googleOnDenied === "send_denied_flag"
      ? { decision: "send_denied_flag", reason }
      : { decision: "blocked", reason };
  }
  if (state === "granted") return send(reason);
  if (category === "granted") return send("category_granted");
  return { decision: "blocked", reason };
}

/**
 * A destination granted only by its platform's explicit flag or a mapped category (Meta's rule):
 * Google's signals never grant it.
 */
function decideExplicit(
  flag: ExplicitConsentFlag,
  s: ConsentSnapshot,
  destination: DestinationRef,
  policy: EffectiveConsentPolicy,
): ConsentVerdict {
  // A valid TC string refusing purpose 1 or 7 refuses it whatever else says yes.
  if (s.tcfRefusal) return blocked(s.tcfRefusal);
  const share = s.explicit?.[flag] ?? "unknown";
  const category = categoryStateFor(s.categories?.raw, policy.categoryMap, destination.id);
  if (s.conflicts.includes(flag) || (share !== "unknown" && category !== undefined && category !== share)) {
    return blocked("consent_conflict");
  }
  if (share === "denied") return blocked(`${flag}_denied`);
  if (category === "denied") return blocked("category_denied");
  if (share === "granted") return send(`${flag}_granted`);
  if (category === "granted") return send("category_granted");
  return blocked(`${flag}_consent_missing`);
}

/**
 * The verdict for one destination from a normalized snapshot (the consent decision table), by the
 * rule its definition declares. A type without a rule (no longer known) is never sent.
 */
export function decideSnapshot(snapshot: ConsentSnapshot, destination: DestinationRef, policy: EffectiveConsentPolicy): ConsentVerdict {
  const rule = ruleFor(destination);
  if (!rule) return blocked("destination_type_unknown");
  const common = commonBlock(snapshot, destination, rule, policy);
  if (common) return blocked(common);
  return rule.googleConsentMode === "grants"
    ? decideGoogle(snapshot, destination, policy)
    : decideExplicit(rule.explicitFlag, snapshot, destination, policy);
}

/**
 * Per-destination consent decision: missing, invalid or ambiguous consent
 * means do not forward, and every verdict carries its reason. Accepts the raw consent input (as
 * the ingest path stores it), several inputs read together (webhook and beacon), or a snapshot.
 */
export function decideConsent(
  input: ConsentInput | readonly ConsentInput[] | ConsentSnapshot | undefined,
  destination: DestinationRef,
  policy: EffectiveConsentPolicy,
  options: DecideOptions = {},
): ConsentVerdict {
  const withdrawnAt = options.withdrawn ? (options.now ?? 0) : undefined;
  const snapshot = isConsentSnapshot(input)
    ? withRequestSignals(input, options.gpcHeader === true, withdrawnAt)
    : normalizeConsent(input, {
        userRegion: policy.userRegion,
        now: options.now ?? 0,
        categoryMap: policy.categoryMap,
        ...(options.gpcHeader ? { gpcHeader: true } : {}),
        ...(withdrawnAt === undefined ? {} : { withdrawnAt }),
      });
  return decideSnapshot(snapshot, destination, policy);
}

/** A stored snapshot plus what the current request adds (its Sec-GPC header, a withdrawal). */
function withRequestSignals(s: ConsentSnapshot, gpc: boolean, withdrawnAt: number | undefined): ConsentSnapshot {
  if (!gpc && withdrawnAt === undefined) return s;
  return {
    ...s,
    ...(gpc ? { us: { ...s.us, gpc: true }, sources: s.sources.includes("gpc") ? s.sources : [...s.sources, "gpc"] } : {}),
    ...(withdrawnAt === undefined || s.withdrawnAt !== undefined ? {} : { withdrawnAt }),
  };
}

export type { ConsentReason } from "./types";
