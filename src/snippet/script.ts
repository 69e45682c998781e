/**
 * The checkout snippet served at `GET /v1/collect/:tenantId/sluice.js`. Plain ES5-level browser
 * code with no dependencies, kept as text because it runs in the shop's page, not in the Worker.
 * `renderSnippet` fills in one JSON config object; everything else is the same for every tenant.
 *
 * What it does, in the page:
 * - on every page: keeps the landing URL's click ids first-party (localStorage, a cookie where
 *   storage is blocked) for 90 days, the lifetime of a Google click
 *   (https://support.google.com/google-ads/answer/7014069), so the checkout page still has them;
 * - on `sluice("checkout", { joinKey, joinToken })` (or `data-join-key`/`data-join-token` on the
 *   script tag): reads the tenant's cookies (`_fbp`, `_fbc`, `_ttp`, `_epik`, by destination),
 *   the consent of the page's CMP and posts the beacon with `navigator.sendBeacon`;
 * - whenever the CMP reports a change (TCF `addEventListener`, GPP `addEventListener`, a Google
 *   consent `update` pushed to `dataLayer`, or `sluice("consent", {...})`), posts it again.
 *
 * Consent strings: a `tcf` or `gpp` field goes only with a non-empty string. Where GDPR does not
 * apply, a CMP's TCData has no TC string, only `gdprApplies`, `tcfPolicyVersion`, `cmpId` and
 * `cmpVersion` (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md#tcdata);
 * a ready GPP CMP with no applicable section (`applicableSections: [-1]`) may have an empty
 * `gppString` (https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Core/CMP%20API%20Specification.md#pingreturn).
 * The relay reads a `tcf` or `gpp` field without a string as malformed, which blocks every
 * destination, explicit grants included; without the string there is no signal to send.
 *
 * sendBeacon cannot set headers, so the body is a string (sent as `text/plain`, a CORS-safelisted
 * type that needs no preflight: https://fetch.spec.whatwg.org/#cors-safelisted-request-header) and
 * the join token travels inside it; the beacon route reads JSON whatever the content type.
 */
export interface SnippetConfig {
  /** Absolute URL of `POST /v1/collect/:tenantId`. */
  endpoint: string;
  /** First-party cookies to read, by the name the beacon's `clickIds` uses. */
  cookies: Record<string, string>;
  /** Landing-URL parameters to keep for the checkout. */
  params: string[];
  /** Build an `fbc` from a stored `fbclid` when the `_fbc` cookie is missing (Meta destinations). */
  deriveFbc: boolean;
}

/** JSON that is also safe inside a `<script>` element and in older JS parsers. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function renderSnippet(config: SnippetConfig): string {
  return `/*! Sluice checkout snippet — https://github.com/sluice-relay/sluice (Apache-2.0) */\n(function (w, d, C) {\n${BODY}\n})(window, document, ${scriptJson(config)});\n`;
}

// No backticks or "${" below: the body is a plain string inside this template literal.
const BODY = String.raw`
  "use strict";
  var KEY = "sluice_ids", DAYS = 90, state = { joinKey: null, joinToken: null, extra: {}, last: "" };
  var timer = null;

  function readStore() {
    var raw = null;
    try { raw = w.localStorage.getItem(KEY); } catch (e) {}
    if (raw === null) { var m = d.cookie.match(/(?:^|;\s*)sluice_ids=([^;]*)/); raw = m ? decodeURIComponent(m[1]) : null; }
    try { var v = JSON.parse(raw || "{}"); return v && typeof v === "object" ? v : {}; } catch (e) { return {}; }
  }
  function writeStore(v) {
    var s = JSON.stringify(v);
    try { w.localStorage.setItem(KEY, s); return; } catch (e) {}
    d.cookie = "sluice_ids=" + encodeURIComponent(s) + "; path=/; max-age=" + DAYS * 86400 + "; samesite=lax";
  }
  // Click ids of this landing, kept with the time they were first seen; older than 90 days: dropped.
  function captureParams() {
    var now = Date.now(), store = readStore(), changed = false, q;
    try { q = new URL(w.location.href).searchParams; } catch (e) { return store; }
    for (var i = 0; i < C.params.length; i++) {
      var name = C.params[i], value = q.get(name);
      if (value && value.length <= 1024 && (!store[name] || store[name].v !== value)) { store[name] = { v: value, t: now }; changed = true; }
    }
    for (var k in store) if (!store[k] || typeof store[k].t !== "number" || now - store[k].t > DAYS * 86400000) { delete store[k]; changed = true; }
    if (changed) writeStore(store);
    return store;
  }
  function cookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
    if (!m) return undefined;
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  }
  function clickIds() {
    var out = {}, store = captureParams();
    for (var k in store) out[k] = store[k].v;
    for (var field in C.cookies) { var v = cookie(C.cookies[field]); if (v) out[field] = v; }
    // Meta's fbc format when the pixel has not set _fbc: fb.1.<time the fbclid was seen, ms>.<fbclid>
    // https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/
    if (C.deriveFbc && !out.fbc && store.fbclid) out.fbc = "fb.1." + store.fbclid.t + "." + store.fbclid.v;
    return out;
  }

  // Consent as the page's CMPs report it; each source only adds what it knows.
  var consent = {};
  function gcmFromDataLayer() {
    var dl = w.dataLayer;
    if (!dl || !dl.length) return;
    for (var i = 0; i < dl.length; i++) readGcm(dl[i]);
  }
  function readGcm(entry) {
    // gtag("consent", "default" | "update", {...}) pushes its arguments object onto dataLayer.
    if (!entry || typeof entry !== "object" || entry[0] !== "consent" || !entry[2] || typeof entry[2] !== "object") return false;
    var target = entry[1] === "default" ? "gcmDefault" : entry[1] === "update" ? "gcm" : null;
    if (!target) return false;
    var out = consent[target] || {}, src = entry[2], names = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"];
    for (var i = 0; i < names.length; i++) if (src[names[i]] === "granted" || src[names[i]] === "denied") out[names[i]] = src[names[i]];
    consent[target] = out;
    return true;
  }
  function watchDataLayer() {
    var dl = (w.dataLayer = w.dataLayer || []);
    var push = dl.push;
    dl.push = function () {
      var r = push.apply(dl, arguments);
      var hit = false;
      for (var i = 0; i < arguments.length; i++) hit = readGcm(arguments[i]) || hit;
      if (hit) changed();
      return r;
    };
  }
  // The CMP has no string now for a signal it reported before: the old string no longer stands.
  function drop(name) {
    if (!consent[name]) return;
    delete consent[name];
    changed();
  }
  // A CMP whose script loads after this one (the IAB asks CMPs to put their stub first, and not
  // every page does) is looked for again every 250 ms for 15 s, and attached to once.
  function whenDefined(name, attach) {
    var tries = 0;
    (function look() {
      if (typeof w[name] === "function") return attach();
      if (++tries <= 60) setTimeout(look, 250);
    })();
  }
  function watchTcf() {
    try {
      w.__tcfapi("addEventListener", 2, function (tc, ok) {
        if (!ok || !tc || (tc.eventStatus !== "tcloaded" && tc.eventStatus !== "useractioncomplete")) return;
        // No TC string (GDPR does not apply): no TCF signal to send.
        if (typeof tc.tcString !== "string" || !tc.tcString) return drop("tcf");
        consent.tcf = { tcString: tc.tcString, gdprApplies: tc.gdprApplies !== false };
        if (tc.addtlConsent) consent.tcf.addtlConsent = tc.addtlConsent;
        changed();
      });
    } catch (e) {}
  }
  function watchGpp() {
    try {
      w.__gpp("addEventListener", function (evt, ok) {
        var p = evt && evt.pingData;
        if (!ok || !p || p.signalStatus !== "ready") return;
        // An empty GPP string (no section applies): no GPP signal, as for TCF.
        if (typeof p.gppString !== "string" || !p.gppString) return drop("gpp");
        consent.gpp = { gppString: p.gppString, applicableSections: p.applicableSections || [] };
        changed();
      });
    } catch (e) {}
  }

  function beacon() {
    if (!state.joinKey) return;
    var c = {};
    for (var k in consent) c[k] = consent[k];
    for (var x in state.extra) c[x] = state.extra[x];
    if (navigator.globalPrivacyControl === true) c.gpc = true;
    var body = { joinKey: state.joinKey, consent: c, clickIds: clickIds(), page: { url: String(w.location.href).slice(0, 2048) } };
    if (state.joinToken) body.joinToken = state.joinToken;
    var text = JSON.stringify(body);
    if (text === state.last) return;
    state.last = text;
    // A string body goes as text/plain;charset=UTF-8: no preflight, no custom header needed.
    if (!(navigator.sendBeacon && navigator.sendBeacon(C.endpoint, text)) && w.fetch) {
      w.fetch(C.endpoint, { method: "POST", body: text, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } });
    }
  }
  // CMPs report several events in a row; one beacon per burst.
  function changed() {
    if (!state.joinKey) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; beacon(); }, 50);
  }

  function command(name, arg) {
    arg = arg || {};
    if (name === "checkout") {
      if (typeof arg.joinKey !== "string" || !arg.joinKey) return;
      state.joinKey = arg.joinKey;
      state.joinToken = typeof arg.joinToken === "string" ? arg.joinToken : null;
      gcmFromDataLayer();
      changed();
    } else if (name === "consent") {
      // Other CMPs: sluice("consent", { categories: { marketing: true }, meta: "granted" }).
      for (var k in arg) state.extra[k] = arg[k];
      changed();
    }
  }

  captureParams();
  gcmFromDataLayer();
  watchDataLayer();
  whenDefined("__tcfapi", watchTcf);
  whenDefined("__gpp", watchGpp);
  var queued = (w.sluice && w.sluice.q) || [];
  w.sluice = function () { command(arguments[0], arguments[1]); };
  for (var i = 0; i < queued.length; i++) command(queued[i][0], queued[i][1]);
  var me = d.currentScript;
  if (me && me.getAttribute("data-join-key")) command("checkout", { joinKey: me.getAttribute("data-join-key"), joinToken: me.getAttribute("data-join-token") || undefined });
`;
