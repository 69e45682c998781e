import type { TenantConfig } from "../config/types";
import type { SnippetConfig } from "./script";

/**
 * Which cookies and landing parameters the snippet collects follows the tenant's destinations:
 * a shop without TikTok does not read `_ttp`. Keyed by destination type as a string, so a type
 * added to the registry later only needs a line here.
 * - Meta: `_fbp`/`_fbc` cookies and `fbclid`
 *   (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/)
 * - Google: `gclid`, `gbraid`, `wbraid` (https://support.google.com/google-ads/answer/9888656)
 * - TikTok: `_ttp` cookie and `ttclid` (https://business-api.tiktok.com/portal/docs?id=1771101303285761)
 * - Pinterest: `_epik` cookie and `epik` (https://help.pinterest.com/en/business/article/add-event-codes)
 */
const COLLECTED: Record<string, { cookies: Record<string, string>; params: string[] }> = {
  meta: { cookies: { fbp: "_fbp", fbc: "_fbc" }, params: ["fbclid"] },
  google_ads: { cookies: {}, params: ["gclid", "gbraid", "wbraid"] },
  google_data_manager: { cookies: {}, params: ["gclid", "gbraid", "wbraid"] },
  tiktok: { cookies: { ttp: "_ttp" }, params: ["ttclid"] },
  pinterest: { cookies: { epik: "_epik" }, params: ["epik"] },
};

/** A tenant not (or no longer) known gets the Meta and Google set, like most shops. */
const FALLBACK_TYPES = ["meta", "google_data_manager"];

export function snippetConfig(tenant: TenantConfig | null, endpoint: string): SnippetConfig {
  const types = tenant ? Object.values(tenant.destinations).map((d) => String(d.type)) : FALLBACK_TYPES;
  const cookies: Record<string, string> = {};
  const params = new Set<string>();
  for (const type of types) {
    const what = COLLECTED[type];
    if (!what) continue;
    Object.assign(cookies, what.cookies);
    for (const p of what.params) params.add(p);
  }
  return { endpoint, cookies, params: [...params].sort(), deriveFbc: "fbc" in cookies };
}
