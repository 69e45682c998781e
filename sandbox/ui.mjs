// The sandbox's page at `GET /`: what arrived, newest first, refreshed every few seconds.
// Every value that came from a request is escaped; the page has no script and a strict CSP.

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}

/** @param {unknown} value */
function pretty(value) {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** @param {number} status */
function statusClass(status) {
  if (status === 0) return "s-none";
  if (status < 300) return "s-ok";
  if (status < 500) return "s-client";
  return "s-server";
}

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * @param {{ url: string, requests: import("./server.mjs").RecordedRequest[],
 *   faults: { seed: number, rules: unknown[] }, refreshSeconds?: number }} input
 */
export function renderPage({ url, requests, faults, refreshSeconds = 3 }) {
  const rows = [...requests]
    .reverse()
    .map((r) => {
      const status = r.response.status;
      const statusText = r.pending ? "holding…" : status === 0 ? "no answer" : String(status);
      return `<tr>
  <td class="num">${escapeHtml(r.seq)}</td>
  <td class="time">${escapeHtml(r.receivedAt)}</td>
  <td>${escapeHtml(r.api)}</td>
  <td><code>${escapeHtml(r.method)} ${escapeHtml(r.path)}</code></td>
  <td class="${statusClass(status)}">${escapeHtml(statusText)}</td>
  <td class="num">${escapeHtml(r.events ?? "")}</td>
  <td>${escapeHtml(r.testEventCode ?? "")}</td>
  <td>${escapeHtml(r.fault ?? "")}</td>
  <td><details><summary>show</summary>
    <h4>Query</h4><pre>${escapeHtml(pretty(r.query))}</pre>
    <h4>Headers</h4><pre>${escapeHtml(pretty(r.headers))}</pre>
    <h4>Body</h4><pre>${escapeHtml(pretty(r.body))}</pre>
    <h4>Response</h4><pre>${escapeHtml(pretty(r.response.body))}</pre>
  </details></td>
</tr>`;
    })
    .join("\n");
  const faultText = faults.rules.length === 0 ? "none" : pretty(faults);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${escapeHtml(refreshSeconds)}">
<title>Sluice destination sandbox</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.sub { margin: 0 0 1rem; color: #555; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f6; position: sticky; top: 0; }
  td.num { text-align: right; }
  td.time { white-space: nowrap; color: #555; }
  pre { background: #f7f7f9; padding: .5rem; max-width: 70rem; overflow: auto; font-size: 12px; }
  .s-ok { color: #0a7a2f; font-weight: 600; }
  .s-client { color: #b45309; font-weight: 600; }
  .s-server, .s-none { color: #b91c1c; font-weight: 600; }
  code { font-size: 12px; }
</style>
</head>
<body>
<h1>Sluice destination sandbox</h1>
<p class="sub">${escapeHtml(url)} · ${escapeHtml(requests.length)} request(s) · refreshes every ${escapeHtml(refreshSeconds)} s ·
JSON: <code>GET ${escapeHtml(url)}/__sandbox/requests</code> · clear: <code>curl -X DELETE ${escapeHtml(url)}/__sandbox/requests</code></p>
<details><summary>Active faults</summary><pre>${escapeHtml(faultText)}</pre></details>
<table>
<thead><tr><th>#</th><th>received</th><th>api</th><th>request</th><th>status</th><th>events</th><th>test code</th><th>fault</th><th>details</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9">Nothing received yet.</td></tr>'}
</tbody>
</table>
</body>
</html>
`;
}
