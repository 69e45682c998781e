import type { ConsentPolicy } from "../../src/config/types";
import { decideSnapshot, type DestinationRef } from "../../src/consent/decide";
import { revokedDestinations } from "../../src/consent/revocation";
import { normalizeConsent } from "../../src/consent/snapshot";
import type { ClickIds, ClientContext, ConsentInput, RelayEvent } from "../../src/events/conversion";
import type { NewDelivery } from "./store";

/** What a browser beacon left under a join key (SPEC §4.1). */
export interface BeaconSignal {
  consent?: ConsentInput;
  clickIds: ClickIds;
  client: ClientContext;
  /** `Sec-GPC: 1` on the beacon request. */
  gpc: boolean;
}

export interface ConsentPlan {
  destinations: DestinationRef[];
  policy: ConsentPolicy;
}

/**
 * How long a webhook with a join key but no consent waits for its beacon. Checkout pages fire the
 * beacon before or right around the purchase, so an hour is ample and well inside the 24 h window.
 */
export const CONSENT_HOLD_MS = 60 * 60 * 1000;

/** The beacon fills what the webhook lacks; the webhook's own values win. */
export function withBeacon(event: RelayEvent, beacon: BeaconSignal | undefined): RelayEvent {
  if (!beacon) return event;
  return {
    ...event,
    clickIds: { ...beacon.clickIds, ...event.clickIds },
    client: { ...beacon.client, ...event.client },
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

/** One delivery per destination with its consent verdict; webhook and beacon consent read together. */
export function decideDeliveries(
  event: RelayEvent,
  beacon: BeaconSignal | undefined,
  plan: ConsentPlan,
  now: number,
): NewDelivery[] {
  const inputs = [event.consent, beacon?.consent].filter((c): c is ConsentInput => c !== undefined);
  const snapshot = snapshotOf(inputs, beacon?.gpc ?? false, plan, now);
  return plan.destinations.map((destination) => {
    const verdict = decideSnapshot(snapshot, destination, plan.policy);
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

/** A webhook with a join key and no consent of its own waits for the beacon: never sent first. */
export function shouldHold(event: RelayEvent, beacon: BeaconSignal | undefined): boolean {
  return event.joinKeyHash !== undefined && event.consent === undefined && beacon === undefined;
}

export function heldDeliveries(plan: ConsentPlan, now: number): NewDelivery[] {
  return plan.destinations.map((destination) => ({
    destinationId: destination.id,
    type: destination.type,
    decision: "pending",
    reason: "awaiting_consent",
    status: "pending",
    nextAttemptAt: now + CONSENT_HOLD_MS,
  }));
}

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

/** Destinations whose earlier beacon grant the new beacon takes back (a withdrawal). */
export function revokedByBeacon(previous: BeaconSignal, next: BeaconSignal, plan: ConsentPlan, now: number): DestinationRef[] {
  const before = snapshotOf(previous.consent ? [previous.consent] : [], previous.gpc, plan, now);
  const after = snapshotOf(next.consent ? [next.consent] : [], next.gpc, plan, now);
  return revokedDestinations(before, after, plan.destinations, plan.policy);
}
