import { html } from "hono/html";

/**
 * The console's HTML shell (`GET /console`). Everything inside <main> is drawn by
 * /console/app.js from the admin API's answers, with DOM text nodes only (never innerHTML), so
 * whatever a value holds is shown as text. No inline script or style: the page CSP forbids both.
 */
export function consolePage() {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sluice console</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<header class="top">
  <span class="brand">Sluice</span>
  <nav id="nav" hidden>
    <button type="button" data-page="deliveries">Deliveries</button>
    <button type="button" data-page="explain">Explain an order</button>
    <button type="button" data-page="health">Health</button>
    <button type="button" data-page="setup">Setup</button>
  </nav>
  <span class="who"><span id="who"></span><button type="button" id="signout" class="secondary" hidden>Sign out</button></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<noscript><p>The console needs JavaScript. The same data is in the admin API: <a href="/docs">API reference</a>.</p></noscript>
</body>
</html>`;
}
