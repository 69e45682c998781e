import type { ConsentState } from "../events/conversion";

export type CategoryMap = Record<string, string[]>;

/**
 * What a tenant's CMP categories say about one destination. Every mapped category must be true
 * (Segment's AND semantics, reference §5.1), so any mapped `false` denies; an unmapped category
 * says nothing and never grants (§5.5, §6.3 row 12).
 */
export function categoryStateFor(
  raw: Record<string, boolean> | undefined,
  categoryMap: CategoryMap,
  destinationId: string,
): ConsentState | undefined {
  let state: ConsentState | undefined;
  for (const [category, value] of Object.entries(raw ?? {})) {
    if (!Object.hasOwn(categoryMap, category) || !categoryMap[category]?.includes(destinationId)) continue;
    if (!value) return "denied";
    state = "granted";
  }
  return state;
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
