import type { ConsentPolicy } from "../config/types";
import type { ConsentInput } from "../events/conversion";
import { mapCategories, mergeCategories, type CategoryMap } from "./categories";
import { collectGcm } from "./gcm";
import { resolveGoogle } from "./google";
import { decodeGpp } from "./gpp";
import { resolveJurisdiction } from "./jurisdiction";
import { resolveExplicit, tcfRefusal } from "./explicit";
import { readTcf } from "./tcf-reading";
import { readUs } from "./us";
import type { ConsentProblem, ConsentSnapshot, ConsentSource } from "./types";

export interface NormalizeContext {
  userRegion: ConsentPolicy["userRegion"];
  /** Receipt time, epoch ms. */
  now: number;
  categoryMap?: CategoryMap;
  /** `Sec-GPC: 1` on the request that carried the consent (only a browser beacon can see it). */
  gpcHeader?: boolean;
  /** Set by an explicit withdrawal; overrides every grant. */
  withdrawnAt?: number;
}

export function isConsentSnapshot(v: unknown): v is ConsentSnapshot {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "consent_snapshot";
}

/**
 * Turns every consent form into one normalized snapshot. Several
 * inputs (a webhook's and its beacon's) are read as one set of sources: where they disagree,
 * denied wins and the conflict is recorded. Pure: no I/O, no clock but `ctx.now`.
 */
export function normalizeConsent(input: ConsentInput | readonly ConsentInput[] | undefined, ctx: NormalizeContext): ConsentSnapshot {
  const inputs: readonly ConsentInput[] = input === undefined ? [] : Array.isArray(input) ? input : [input as ConsentInput];
  const sources = new Set<ConsentSource>();
  const problems = new Set<ConsentProblem>();

  const gcm = collectGcm(inputs);
  for (const s of gcm.sources) sources.add(s);
  for (const p of gcm.problems) problems.add(p);

  const gppDecoded = inputs.map((i) => (i.gpp ? decodeGpp(i.gpp.gppString) : undefined));
  const tcf = readTcf(inputs, gppDecoded);
  if (inputs.some((i) => i.tcf)) sources.add("tcf");
  for (const t of tcf.all) if (t.applies && t.invalidReason) problems.add(t.invalidReason);

  const { us, applicableSections, gpp } = readUs(inputs, gppDecoded, ctx.gpcHeader === true);
  if (gpp) sources.add("gpp");
  if (gpp && !gpp.valid) problems.add("gpp_invalid");
  if (gpp?.unknownSectionIds) problems.add("gpp_section_unknown");
  if (us.gpc) sources.add("gpc");

  const rawCategories = mergeCategories(inputs.map((i) => i.categories));
  if (rawCategories) sources.add("categories");
  const { explicit, conflicts: explicitConflicts } = resolveExplicit(inputs);
  for (const flag of Object.keys(explicit) as Array<keyof typeof explicit>) sources.add(flag);
  const malformed = [...new Set(inputs.flatMap((i) => i.malformed ?? []))];
  if (malformed.length > 0) problems.add("consent_malformed");

  const jurisdiction = resolveJurisdiction(ctx.userRegion, {
    tcfApplies: tcf.all.some((t) => t.applies),
    gdprNotApplicable: tcf.all.some((t) => t.gdprApplies === false),
    gppSections: applicableSections,
  });
  const { google, conflicts: googleConflicts } = resolveGoogle(gcm, tcf, jurisdiction);
  const refusal = tcfRefusal(tcf.usable);
  const conflicts = [...googleConflicts, ...explicitConflicts];
  if (conflicts.includes("ad_user_data") || explicitConflicts.length > 0) problems.add("consent_conflict");

  const capturedAt = Math.max(...tcf.usable.map((t) => t.lastUpdatedAt ?? 0), 0);
  const snapshot: ConsentSnapshot = {
    kind: "consent_snapshot",
    version: 1,
    receivedAt: ctx.now,
    ...(capturedAt > 0 ? { capturedAt } : {}),
    sources: [...sources],
    jurisdiction,
    google,
    ...(Object.keys(explicit).length > 0 ? { explicit } : {}),
    ...(refusal ? { tcfRefusal: refusal } : {}),
    conflicts,
    problems: [...problems],
  };
  if (tcf.shown) snapshot.tcf = tcf.shown;
  if (Object.keys(us).length > 0) snapshot.us = us;
  if (gpp) snapshot.gpp = gpp;
  if (rawCategories) snapshot.categories = { raw: rawCategories, ...mapCategories(rawCategories, ctx.categoryMap ?? {}) };
  if (malformed.length > 0) snapshot.malformed = malformed;
  if (ctx.withdrawnAt !== undefined) snapshot.withdrawnAt = ctx.withdrawnAt;
  return snapshot;
}
