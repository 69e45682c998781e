import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Response headers for every route. Sluice answers JSON only, so nothing it returns should ever
 * render, run or be framed in a browser:
 * - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` forbids every fetch and
 *   every embedding of a response that a browser does open
 *   (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy);
 * - `X-Content-Type-Options: nosniff` stops a JSON body from being sniffed into HTML or script;
 * - `Referrer-Policy: no-referrer` keeps tenant ids in URLs out of any Referer;
 * - `Strict-Transport-Security` only where deployed: local `wrangler dev` is plain http, and
 *   HSTS on localhost would pin every other local service to https
 *   (https://www.rfc-editor.org/rfc/rfc6797#section-8.1).
 * Hono's middleware sets them after the handler, so error responses carry them too. It keeps a
 * header the handler set itself (`overwrite: false`): the pages that do render (console, API
 * reference) send their own narrower CSP, and the checkout snippet its cross-origin CORP.
 *
 * These are the headers OWASP's REST Security Cheat Sheet asks of every API response
 * (https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#security-headers),
 * plus the Referrer-Policy. Hono's other defaults (COOP, CORP, Origin-Agent-Cluster,
 * X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection)
 * are about HTML documents: on JSON answers they protected nothing, yet every webhook answer
 * carried them through each proxy on its way back, a measured part of the ingest path's cost
 * (`npm run bench`). The pages that are HTML send them themselves (pages/headers.ts).
 */
const CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

const JSON_API = {
  contentSecurityPolicy: CSP,
  xFrameOptions: "DENY",
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  overwrite: false,
} as const;
const deployed = secureHeaders({ ...JSON_API, strictTransportSecurity: "max-age=31536000; includeSubDomains" });
const local = secureHeaders({ ...JSON_API, strictTransportSecurity: false });

declare module "hono" {
  interface ContextVariableMap {
    /** Set by markVerifiedWebhook: this request's answer goes back to a platform, never to a browser. */
    verifiedWebhook: true;
  }
}

/**
 * Marks a request whose webhook signature verified. Its answer (202, a duplicate's 200, a parse
 * error's 400, a quota's 429) can only be obtained by whoever holds the source's signing secret,
 * and goes back to that platform's servers: a browser cannot send the signature headers (custom
 * headers on a cross-site request need a CORS preflight, which webhook routes never grant:
 * https://fetch.spec.whatwg.org/#cors-preflight-fetch), so no browser renders, frames or sniffs
 * such an answer, and the browser headers above protect nothing on it. Every webhook answer a
 * browser can obtain (a failed signature's 401, an unknown source's 404, a 405, a 413, an unsigned
 * handshake's 200) keeps them. Leaving them off the one answer a platform pays for per conversion
 * is about 4 % of the ingest path's cost (`npm run bench`, two builds compared): under `wrangler
 * dev` each header is copied again by the local proxy on the way out.
 */
export function markVerifiedWebhook(c: Context): void {
  c.set("verifiedWebhook", true);
}

export const securityHeaders: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  await next();
  if (c.get("verifiedWebhook")) return;
  // Hono's middleware sets its headers after its `next`: here that is once the answer exists.
  await (c.env.ENVIRONMENT === "dev" ? local : deployed)(c, async () => {});
};

/**
 * Admin answers carry API keys, tenant config and delivery logs: no browser, proxy or CDN may
 * keep a copy (https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.5). Set after the handler,
 * so 401s, 403s and other errors are covered as well.
 */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set("Cache-Control", "no-store");
};
