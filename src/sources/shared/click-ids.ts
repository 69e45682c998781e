import { CLICK_ID_FIELDS, type ClickIdName } from "../../destinations/registry";
import type { ClickIds } from "../../events/conversion";

/** Click ids travel byte for byte (fbclid is case-sensitive); only blank and absurd values are dropped. */
const MAX_CLICK_ID = 1024;

/** The click ids the destination definitions declare, with the landing-URL parameter carrying each. */
const URL_PARAMS = CLICK_ID_FIELDS.flatMap((f) => (f.urlParam ? [[f.name, f.urlParam] as const] : []));

// Names a theme, plugin or checkout script commonly stores them under (cart attributes, order
// meta, Stripe metadata): each definition lists them, the underscore forms being cookie names
// (`_fbc`, `_fbp`) and hidden Shopify / WordPress keys.
const FIELD_ALIASES = CLICK_ID_FIELDS.map((f) => [f.name, f.aliases] as const);

/** One schema per declared click id, for the request bodies that carry them (beacon, standard source). */
export function clickIdsShape<T>(field: T): Record<ClickIdName, T> {
  return Object.fromEntries(CLICK_ID_FIELDS.map((f) => [f.name, field])) as Record<ClickIdName, T>;
}

function usable(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim();
  return v.length > 0 && v.length <= MAX_CLICK_ID ? v : undefined;
}

/**
 * Click ids from a landing URL's query. Shopify's `landing_site` is usually a path
 * (`/products/x?gclid=…`), so a relative URL is resolved against a dummy origin.
 */
export function clickIdsFromUrl(url: string | undefined): ClickIds {
  if (!url) return {};
  let params: URLSearchParams;
  try {
    params = new URL(url, "https://landing.invalid").searchParams;
  } catch {
    return {};
  }
  const out: ClickIds = {};
  for (const [name, param] of URL_PARAMS) {
    const value = usable(params.get(param));
    if (value) out[name] = value;
  }
  return out;
}

/** Click ids from a platform's key/value fields (note attributes, metadata, meta_data). */
export function clickIdsFromFields(get: (name: string) => unknown): ClickIds {
  const out: ClickIds = {};
  for (const [key, aliases] of FIELD_ALIASES) {
    for (const alias of aliases) {
      const value = usable(get(alias));
      if (value) {
        out[key] = value;
        break;
      }
    }
  }
  return out;
}

/** The first source that has a click id wins, per id. */
export function mergeClickIds(...sources: ClickIds[]): ClickIds {
  const out: ClickIds = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source) as Array<[keyof ClickIds, string | undefined]>) {
      if (value && !out[key]) out[key] = value;
    }
  }
  return out;
}
