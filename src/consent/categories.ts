import type { ConsentState } from "../events/conversion";

export type CategoryMap = Record<string, string[]>;

/**
 * What a tenant's CMP categories say about one destination. Every category mapped to it must be
 * granted (Segment's consent model: a destination in several categories receives data "only
 * if the user has opted-in to all" of them,
 * https://www.twilio.com/docs/segment/privacy/consent-management/consent-faq):
 * any mapped `false` denies, and a mapped category that was not received is not granted, so the
 * categories then decide nothing. An unmapped category says nothing and never grants.
 */
export function categoryStateFor(
  raw: Record<string, boolean> | undefined,
  categoryMap: CategoryMap,
  destinationId: string,
): ConsentState | undefined {
  const mapped = Object.keys(categoryMap).filter((c) => categoryMap[c]?.includes(destinationId));
  if (mapped.length === 0 || !raw) return undefined;
  const received = (c: string) => (Object.hasOwn(raw, c) ? raw[c] : undefined);
  if (mapped.some((c) => received(c) === false)) return "denied";
  return mapped.every((c) => received(c) === true) ? "granted" : undefined;
}

/** The per-destination view of the categories and the ones the map does not know, for the log. */
export function mapCategories(
  raw: Record<string, boolean>,
  categoryMap: CategoryMap,
): { byDestination: Record<string, ConsentState>; unmapped: string[] } {
  const destinations = new Set(Object.values(categoryMap).flat());
  const byDestination: Record<string, ConsentState> = {};
  for (const id of destinations) {
    const state = categoryStateFor(raw, categoryMap, id);
    if (state) byDestination[id] = state;
  }
  const unmapped = Object.keys(raw).filter((c) => !Object.hasOwn(categoryMap, c) || (categoryMap[c]?.length ?? 0) === 0);
  return { byDestination, unmapped };
}

/** Categories from several inputs (webhook and beacon): a `false` anywhere stays `false`. */
export function mergeCategories(all: ReadonlyArray<Record<string, boolean> | undefined>): Record<string, boolean> | undefined {
  let out: Record<string, boolean> | undefined;
  for (const cats of all) {
    for (const [k, v] of Object.entries(cats ?? {})) {
      out ??= {};
      out[k] = Object.hasOwn(out, k) ? out[k] === true && v : v;
    }
  }
  return out;
}
