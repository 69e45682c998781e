import type { LaneView } from "../../src/delivery/lane";
import { isAdjustment } from "../../src/events/adjustment";
import type { RelayEvent } from "../../src/events/conversion";
import type { DestinationStats, HourlyOutcomes, TenantStats } from "../../src/platform/relay-rpc";
import type { CounterRow } from "./store";

const emptyDestination = (): DestinationStats => ({
  delivered: 0,
  validated: 0,
  failed: 0,
  expired: 0,
  suppressed: 0,
  blocked: {},
  adjustments: { delivered: 0, validated: 0, failed: 0, expired: 0, suppressed: 0, notSupported: 0, blocked: {} },
});

function countAdjustment(dest: DestinationStats, metric: string, count: number): void {
  const a = dest.adjustments;
  if (metric.startsWith("blocked:")) {
    const reason = metric.slice("blocked:".length);
    a.blocked[reason] = (a.blocked[reason] ?? 0) + count;
  } else if (metric === "not_supported") a.notSupported += count;
  else if (metric === "delivered" || metric === "validated" || metric === "failed" || metric === "expired" || metric === "suppressed") {
    a[metric] += count;
  }
}

/** Folds the hourly counters and the held events into the stats view (no identifiers). */
export function buildStats(
  counters: CounterRow[],
  allEvents: RelayEvent[],
  windowHours: number,
  lanes: Record<string, LaneView> = {},
): TenantStats {
  // Coverage is about conversions; adjustments carry no identifiers by design.
  const events = allEvents.filter((e) => !isAdjustment(e));
  const stats: TenantStats = {
    windowHours,
    received: 0,
    adjustments: 0,
    duplicates: 0,
    purged: 0,
    erasedDropped: 0,
    destinations: {},
    coverage: { events: events.length, email: 0, phone: 0, clickId: 0, ipUserAgent: 0 },
    hourly: [],
  };
  const hours = new Map<string, HourlyOutcomes>();
  const hourOf = (hour: string) =>
    hours.get(hour) ?? hours.set(hour, { hour, delivered: 0, validated: 0, blocked: 0, failed: 0 }).get(hour)!;
  for (const row of counters) {
    // Test traffic apart, as in the per-destination counts: it was checked, never recorded. Expired ones failed for good.
    if (row.metric === "delivered") hourOf(row.hour).delivered += row.count;
    else if (row.metric === "validated") hourOf(row.hour).validated += row.count;
    else if (row.metric.startsWith("blocked:") || row.metric === "suppressed") hourOf(row.hour).blocked += row.count;
    else if (row.metric === "failed" || row.metric === "expired") hourOf(row.hour).failed += row.count;
  }
  stats.hourly = [...hours.values()].sort((a, b) => a.hour.localeCompare(b.hour));
  for (const row of counters) {
    if (row.metric === "received") stats.received += row.count;
    else if (row.metric === "adjustment_received") stats.adjustments += row.count;
    else if (row.metric === "duplicate") stats.duplicates += row.count;
    else if (row.metric === "purged") stats.purged += row.count;
    else if (row.metric === "erased_dropped") stats.erasedDropped += row.count;
    else if (row.destination_id) {
      const dest = (stats.destinations[row.destination_id] ??= emptyDestination());
      if (row.metric.startsWith("adjustment:")) countAdjustment(dest, row.metric.slice("adjustment:".length), row.count);
      else if (row.metric.startsWith("blocked:")) {
        const reason = row.metric.slice("blocked:".length);
        dest.blocked[reason] = (dest.blocked[reason] ?? 0) + row.count;
      } else if (
        row.metric === "delivered" ||
        row.metric === "validated" ||
        row.metric === "failed" ||
        row.metric === "expired" ||
        row.metric === "suppressed"
      ) {
        dest[row.metric] += row.count;
      }
    }
  }
  for (const [id, lane] of Object.entries(lanes)) (stats.destinations[id] ??= emptyDestination()).lane = lane;
  if (events.length > 0) {
    const share = (n: number) => Math.round((n / events.length) * 1000) / 1000;
    const has = (pick: (e: RelayEvent) => boolean) => share(events.filter(pick).length);
    stats.coverage.email = has((e) => Object.values(e.identity).some((f) => f && ("em" in f || "hashedEmail" in f)));
    stats.coverage.phone = has((e) => Object.values(e.identity).some((f) => f && ("ph" in f || "hashedPhoneNumber" in f)));
    stats.coverage.clickId = has((e) => Object.keys(e.clickIds).length > 0);
    stats.coverage.ipUserAgent = has((e) => Boolean(e.client?.ip && e.client?.userAgent));
  }
  return stats;
}
