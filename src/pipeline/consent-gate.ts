import { decideWithBasis } from "../consent/basis";
import { decideSnapshot } from "../consent/decide";
import { mergeConsentInputs } from "../consent/merge";
import { revokedDestinations } from "../consent/revocation";
import { normalizeConsent } from "../consent/snapshot";
import { explicitDenials, underRecordedRefusal, type StickyDenial } from "../consent/sticky";
import type { ConsentSnapshot } from "../consent/types";
import type { ClickIds, ConsentInput, RelayEvent } from "../events/conversion";
import type { BeaconSignal, DeliveryStatus, StoredDecision } from "../platform/relay-rpc";
import type { ConsentPlan } from "./consent-plan";

/**
 * The consent gate (pure): per planned destination, whether an event may be sent, with the
 * reason. The Durable Object runs it at ingest, on a beacon, at the end of a consent hold and on
 * a replay; dry-run runs it to show the decisions without storing anything.
 */

/** One delivery as the gate decides it, before it is stored. */
export interface NewDelivery {
  destinationId: string;
  type: string;
  decision: StoredDecision;
  reason: string;
  status: DeliveryStatus;
  /** When to send, or (while undecided) when the wait for consent ends. */
  nextAttemptAt: number | null;
}

/** Destinations the user refused under this join key (or for this event) within the last 24 h. */
export type DenialMap = ReadonlyMap<string, string>;
const NO_DENIALS: DenialMap = new Map();

/**
 * How long a webhook with a join key but no consent waits for its beacon. Checkout pages fire the
 * beacon before or right around the purchase, so an hour is ample and well inside the 24 h window.
 */
export const CONSENT_HOLD_MS = 60 * 60 * 1000;

/**
 * Beacons for one join key are combined, never replaced: consent by signal (src/consent/merge.ts),
 * click ids and client context by field, the later beacon's value where it has one. The click ids
 * never enter the consent merge.
 */
export function mergeBeacons(earlier: BeaconSignal | undefined, later: BeaconSignal, now: number): BeaconSignal {
  const clickSeenAt = clickTimes(earlier, later, now);
  if (!earlier) return { ...later, ...(clickSeenAt ? { clickSeenAt } : {}) };
  const consent = mergeConsentInputs(earlier.consent, later.consent);
  const clickSubjects = { ...earlier.clickSubjects, ...later.clickSubjects };
  return {
    ...(consent ? { consent } : {}),
    clickIds: { ...earlier.clickIds, ...later.clickIds },
    client: { ...earlier.client, ...later.client },
    gpc: earlier.gpc || later.gpc,
    ...(Object.keys(clickSubjects).length > 0 ? { clickSubjects } : {}),
    ...(clickSeenAt ? { clickSeenAt } : {}),
  };
}

/**
 * What is kept of a beacon whose consent made the verdict ambiguous but that was too large to be
 * stored with the join key's earlier ones: each consent field it carried, marked unreadable
 * (`malformed`), and nothing else. Merged into the stored beacons, the marks keep the ambiguity
 * for the webhooks still to come, as it holds for those already waiting, until a later beacon
 * states the field readably (src/consent/merge.ts); the values themselves did not fit.
 */
export function unreadableStandIn(beacon: BeaconSignal): BeaconSignal {
  const fields = Object.keys(beacon.consent ?? {}).filter((field) => field !== "malformed");
  const malformed = [...new Set([...fields, ...(beacon.consent?.malformed ?? [])])];
  return { ...(malformed.length > 0 ? { consent: { malformed } } : {}), clickIds: {}, client: {}, gpc: beacon.gpc };
}

/** First-seen time per click id: kept while a later beacon repeats the same id, `now` for a new one. */
function clickTimes(earlier: BeaconSignal | undefined, later: BeaconSignal, now: number): BeaconSignal["clickSeenAt"] {
  const times: NonNullable<BeaconSignal["clickSeenAt"]> = { ...earlier?.clickSeenAt };
  for (const [kind, value] of Object.entries(later.clickIds) as [keyof ClickIds, string | undefined][]) {
    if (value === undefined) continue;
    const known = earlier?.clickIds[kind] === value ? earlier.clickSeenAt?.[kind] : undefined;
    times[kind] = known ?? now;
  }
  return Object.keys(times).length > 0 ? times : undefined;
}

/**
 * The beacon fills what the webhook lacks; the webhook's own values win. A click id taken from
 * the beacon becomes a subject key of the event, so a withdrawal or erasure naming it finds it,
 * and keeps the time the beacon first carried it.
 */
export function withBeacon(event: RelayEvent, beacon: BeaconSignal | undefined): RelayEvent {
  if (!beacon) return event;
  const fromBeacon = (kind: string) => event.clickIds[kind as keyof ClickIds] === undefined;
  const adopted = Object.entries(beacon.clickSubjects ?? {})
    .filter(([kind]) => fromBeacon(kind))
    .map(([, key]) => key);
  const seen = Object.entries(beacon.clickSeenAt ?? {}).filter(([kind]) => fromBeacon(kind));
  return {
    ...event,
    clickIds: { ...beacon.clickIds, ...event.clickIds },
    ...(seen.length > 0 ? { clickSeenAt: { ...event.clickSeenAt, ...Object.fromEntries(seen) } } : {}),
    client: { ...beacon.client, ...event.client },
    subjectKeys: [...new Set([...event.subjectKeys, ...adopted])],
  };
}

function snapshotOf(inputs: ConsentInput[], gpc: boolean, plan: ConsentPlan, now: number) {
  return normalizeConsent(inputs, {
    userRegion: plan.policy.userRegion,
    now,
    categoryMap: plan.policy.categoryMap,
    ...(gpc ? { gpcHeader: true } : {}),
  });
}

function eventSnapshot(event: RelayEvent, beacon: BeaconSignal | undefined, plan: ConsentPlan, now: number) {
  const inputs = [event.consent, beacon?.consent].filter((c): c is ConsentInput => c !== undefined);
  return snapshotOf(inputs, beacon?.gpc ?? false, plan, now);
}

/**
 * The deliveries of an event from what is known about its consent: the event, its beacon if one
 * came, the tenant's plan, the time, and the refusals recorded earlier for its join key.
 */
type DeliveriesOf = (
  event: RelayEvent,
  beacon: BeaconSignal | undefined,
  plan: ConsentPlan,
  now: number,
  denials?: DenialMap,
) => NewDelivery[];

/**
 * One delivery per destination with its consent verdict; webhook and beacon consent read together.
 * A user's refusal recorded earlier for the join key stands against any later grant.
 */
export const decideDeliveries: DeliveriesOf = (event, beacon, plan, now, denials = NO_DENIALS) =>
  deliveriesFrom(eventSnapshot(event, beacon, plan, now), plan, now, denials);

function deliveriesFrom(snapshot: ConsentSnapshot, plan: ConsentPlan, now: number, denials: DenialMap): NewDelivery[] {
  return plan.destinations.map((destination) => {
    const verdict = underRecordedRefusal(
      decideSnapshot(snapshot, destination, plan.policy),
      denials.get(destination.id) as StickyDenial["reason"] | undefined,
    );
    const sendable = verdict.decision !== "blocked";
    return {
      destinationId: destination.id,
      type: destination.type,
      ...verdict,
      status: sendable ? "pending" : "blocked",
      nextAttemptAt: sendable ? now : null,
    };
  });
}

/**
 * At ingest: a webhook with a join key waits for its checkout's next beacon for every destination
 * that its own consent and the beacons so far leave undecided (all of them when there is none),
 * and is decided now for the rest. The checkout snippet posts a first beacon (click ids) before
 * the visitor has chosen, and again on every consent change, so a webhook that lands between the
 * two must not be blocked for want of a signal still to come. It is never sent first and checked
 * later; what is still undecided when the hold ends is blocked.
 */
export const planDeliveries: DeliveriesOf = (event, beacon, plan, now, denials = NO_DENIALS) => {
  const snapshot = eventSnapshot(event, beacon, plan, now);
  const decided = deliveriesFrom(snapshot, plan, now, denials);
  if (event.joinKeyHash === undefined) return decided;
  return decided.map((d, i) =>
    d.status === "blocked" &&
    !denials.has(d.destinationId) &&
    decideWithBasis(snapshot, plan.destinations[i]!, plan.policy).basis === "undecided"
      ? { ...d, decision: "pending", reason: "awaiting_consent", status: "pending", nextAttemptAt: now + CONSENT_HOLD_MS }
      : d,
  );
};

export function suppressedDeliveries(plan: ConsentPlan): NewDelivery[] {
  return plan.destinations.map((destination) => ({
    destinationId: destination.id,
    type: destination.type,
    decision: "blocked",
    reason: "withdrawn",
    status: "suppressed",
    nextAttemptAt: null,
  }));
}

/** The destinations a consent signal on its own explicitly refuses (not a page default). */
export function refusedBy(consent: ConsentInput | undefined, gpc: boolean, plan: ConsentPlan, now: number): StickyDenial[] {
  if (!consent && !gpc) return [];
  return explicitDenials(snapshotOf(consent ? [consent] : [], gpc, plan, now), plan.destinations, plan.policy);
}

/**
 * What a new beacon takes back from what waits to be sent under its join key:
 * - `refused`: the destinations it refuses outright, and those whose grant under the combined
 *   beacons it turns into a denial (recorded: a refusal sticks);
 * - `ambiguous`: the others a value in it cannot be read for (basis `malformed`). Ambiguity is
 *   never a grant, so what was granted before must not go on it either; unlike a refusal it does
 *   not stick (a later readable value for the same field replaces it, src/consent/merge.ts).
 * The beacon's own consent is read once for both.
 */
export function takenBackByBeacon(
  previous: BeaconSignal | undefined,
  incoming: BeaconSignal,
  merged: BeaconSignal,
  plan: ConsentPlan,
  now: number,
): { refused: StickyDenial[]; ambiguous: string[] } {
  const own =
    incoming.consent || incoming.gpc ? snapshotOf(incoming.consent ? [incoming.consent] : [], incoming.gpc, plan, now) : undefined;
  const refused = own ? explicitDenials(own, plan.destinations, plan.policy) : [];
  const conflicted: string[] = [];
  if (previous) {
    const before = snapshotOf(previous.consent ? [previous.consent] : [], previous.gpc, plan, now);
    const after = snapshotOf(merged.consent ? [merged.consent] : [], merged.gpc, plan, now);
    const taken = revokedDestinations(before, after, plan.destinations, plan.policy)
      .filter((d) => !refused.some((r) => r.destinationId === d.id))
      .map((d) => ({ destinationId: d.id, reason: decideSnapshot(after, d, plan.policy).reason }));
    // A conflict the combined beacons make (two TC strings of the same date that decide
    // differently) is no refusal of its own: a refusal among them was recorded when its beacon
    // came. It holds back what was granted, as ambiguity does, without sticking, so a strictly
    // newer string settles it (src/consent/merge.ts).
    refused.push(...taken.filter((t) => t.reason !== "consent_conflict"));
    conflicted.push(...taken.filter((t) => t.reason === "consent_conflict").map((t) => t.destinationId));
  }
  const ambiguous = own
    ? plan.destinations
        .filter((d) => !refused.some((r) => r.destinationId === d.id) && decideWithBasis(own, d, plan.policy).basis === "malformed")
        .map((d) => d.id)
    : [];
  return { refused, ambiguous: [...new Set([...ambiguous, ...conflicted])] };
}
