import { expect } from "vitest";
import { DM_SETTINGS, dataManagerPut, googlePurchase, useGoogleEmulators } from "../google/helpers";
import { now } from "../helpers/clock";
import { admin, createTenant, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";

/**
 * A tenant with a Data Manager destination receives `consents` as beacons under one join key, in
 * that order, then a purchase webhook under the same key with no consent of its own: what the
 * google-dm delivery was decided, what Google was sent, and each beacon's answer status.
 */
export async function googleVerdictAfter(tenant: string, joinKey: string, consents: unknown[]) {
  await createTenant(tenant);
  expect((await admin("PUT", `/tenants/${tenant}/destinations/google-dm`, dataManagerPut(tenant, DM_SETTINGS))).status).toBeLessThan(300);
  const google = useGoogleEmulators(now);
  const beaconStatuses: number[] = [];
  for (const consent of consents) beaconStatuses.push((await sendBeacon(tenant, { joinKey, consent })).status);
  const hook = await sendWebhook(
    tenant,
    googlePurchase(`o-${joinKey}`, { consent: undefined, joinKey, occurredAt: new Date(now() - 60_000).toISOString() }),
  );
  await runAlarm(tenant);
  const deliveries = (await admin("GET", `/tenants/${tenant}/events/${hook.json.id}`)).json.deliveries as any[];
  return { delivery: deliveries.find((d) => d.destinationId === "google-dm"), uploads: google.callsTo("google-dm"), beaconStatuses };
}
