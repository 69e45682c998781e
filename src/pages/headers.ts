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

export function pageHeaders(contentType: string, cacheSeconds = 0): Record<string, string> {
  return {
    "Content-Type": contentType,
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : "no-store",
  };
}
