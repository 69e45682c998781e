/**
 * The CSP of the pages Sluice renders (console, API reference): nothing but the Worker's own
 * script, style sheet and API; no inline script or style, no third party, no framing
 * (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy).
 * `data:` images only for the inline SVG a chart may become when copied.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The pages are HTML documents, so they also carry the document headers the JSON answers leave
 * out (http/security-headers.ts): no cross-origin opener keeps a handle to the console's window,
 * no other origin embeds its files, and it gets a process of its own where browsers can
 * (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Cross-Origin-Opener-Policy,
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Cross-Origin-Resource-Policy,
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Origin-Agent-Cluster).
 */
export function pageHeaders(contentType: string, cacheSeconds = 0): Record<string, string> {
  return {
    "Content-Type": contentType,
    "Content-Security-Policy": PAGE_CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Origin-Agent-Cluster": "?1",
    "Cache-Control": cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : "no-store",
  };
}
