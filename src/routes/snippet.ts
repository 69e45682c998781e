import { Hono } from "hono";
import { isValidId } from "../config/ids";
import { getTenant } from "../config/tenant-store";
import { ApiError, methodNotAllowed } from "../http/errors";
import { snippetConfig } from "../snippet/config";
import { renderSnippet } from "../snippet/script";

/**
 * `GET /v1/collect/:tenantId/sluice.js` — the checkout snippet (src/snippet/script.ts). Public and
 * cacheable: it holds the tenant id, which is in the page anyway, and which cookies to read.
 */
export const snippetRoutes = new Hono<{ Bindings: Env }>();

/** Shops load it on every page; five minutes keeps a destination change from lagging long. */
const CACHE_SECONDS = 300;

snippetRoutes.get("/:tenantId/sluice.js", async (c) => {
  const tenantId = c.req.param("tenantId");
  if (!isValidId(tenantId)) throw new ApiError(404, "not_found", "No such route");
  const tenant = await getTenant(c.env, tenantId, { cacheTtl: CACHE_SECONDS });
  const endpoint = `${new URL(c.req.url).origin}/v1/collect/${tenantId}`;
  const body = renderSnippet(snippetConfig(tenant, endpoint));
  return c.body(body, 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": `public, max-age=${CACHE_SECONDS}`,
    // Loaded by the shop's pages, another origin: the default same-origin policy would block it
    // (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Cross-Origin-Resource-Policy).
    "Cross-Origin-Resource-Policy": "cross-origin",
  });
});
snippetRoutes.all("/:tenantId/sluice.js", methodNotAllowed(["GET"]));
