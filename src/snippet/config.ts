import type { TenantConfig } from "../config/types";
import { destinationDefinition } from "../destinations/registry";
import type { SnippetConfig } from "./script";

/**
 * Which cookies and landing parameters the snippet collects follows the tenant's destinations
 * (each definition's `clickIds`, see src/destinations/registry.ts): a shop without TikTok does
 * not read `_ttp`.
 */
function collected(type: string): { cookies: Record<string, string>; params: string[] } {
  const fields = destinationDefinition(type)?.clickIds ?? [];
  return {
    cookies: Object.fromEntries(fields.flatMap((f) => (f.cookie ? [[f.name, f.cookie]] : []))),
    params: fields.flatMap((f) => (f.urlParam ? [f.urlParam] : [])),
  };
}

/** A tenant not (or no longer) known gets the Meta and Google set, like most shops. */
const FALLBACK_TYPES = ["meta", "google_data_manager"];

export function snippetConfig(tenant: TenantConfig | null, endpoint: string): SnippetConfig {
  const types = tenant ? Object.values(tenant.destinations).map((d) => String(d.type)) : FALLBACK_TYPES;
  const cookies: Record<string, string> = {};
  const params = new Set<string>();
  for (const type of types) {
    const what = collected(type);
    Object.assign(cookies, what.cookies);
    for (const p of what.params) params.add(p);
  }
  return { endpoint, cookies, params: [...params].sort(), deriveFbc: "fbc" in cookies };
}
