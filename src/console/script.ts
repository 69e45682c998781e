import { CONSENT_RULES } from "../destinations/registry";

/**
 * Each destination type's explicit consent field (`"tiktok": "granted"`), or null for a type that
 * Google's signals grant, from the destination registry: "Send a test event" grants the
 * destination it tests, and "Explain an order" knows every `<field>_granted|_denied|_consent_missing`
 * reason (src/consent/decide.ts, decideExplicit) as the platform's explicit consent.
 */
const EXPLICIT_FLAGS: Record<string, string | null> = Object.fromEntries(
  Object.entries(CONSENT_RULES).map(([type, rule]) => [type, rule.explicitFlag]),
);

/**
 * The console's script (`GET /console/app.js`): a small single-page app over the admin API.
 *
 * - The API key lives only in this tab's sessionStorage and goes out only in the Authorization
 *   header of same-origin calls to /v1/admin; never in a URL, a cookie or localStorage.
 * - Everything is drawn with createElement/textContent; no value is ever parsed as HTML.
 * - The admin API shows no identifier values, so neither can the console.
 *
 * Kept as text because it runs in the browser, not in the Worker. No backticks or dollar-brace
 * sequences inside but the one that fills in EXPLICIT_FLAGS: it is a plain string in this
 * template literal.
 *
 * Test modes, as the destinations define them: a Meta or TikTok `testEventCode` sends the events
 * as test events, shown in the platform's Events Manager under Test events (TikTok's is the
 * request's `test_event_code`, https://business-api.tiktok.com/portal/docs?id=1771101303285761,
 * src/destinations/tiktok/payload.ts); Pinterest's `validateOnly`
 * adds `?test=true`, "the events will not be recorded but the API will still return the same
 * response messages" (https://developers.pinterest.com/docs/api/v5/events-create); Google's
 * `validateOnly` checks an upload without recording it. Either way a delivery ends `validated`.
 */
export const CONSOLE_JS = String.raw`
(function () {
  "use strict";
  var S = w("sessionStorage");
  function w(name) { try { return window[name]; } catch (e) { return null; } }
  var main = document.getElementById("main");
  var session = { token: S && S.getItem("sluice.token"), tenantId: S && S.getItem("sluice.tenant"), actor: S && S.getItem("sluice.actor") };
  var tenant = null;
  var DAY = 86400000;
  var EXPLICIT_FLAGS = ${JSON.stringify(EXPLICIT_FLAGS)};

  // ---- DOM helpers: text only ------------------------------------------------------------
  function el(tag, props) {
    var node = document.createElement(tag);
    props = props || {};
    for (var k in props) {
      var v = props[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.className = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function add(node) {
    for (var a = 1; a < arguments.length; a++) {
      var child = arguments[a];
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) { for (var i = 0; i < child.length; i++) add(node, child[i]); continue; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) if (k === "text") node.textContent = String(attrs[k]); else node.setAttribute(k, String(attrs[k]));
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function badge(value) { return el("span", { class: "badge " + String(value).replace(/[^a-z_]/g, ""), text: value }); }
  function when(iso) { if (!iso) return ""; var d = new Date(iso); return isNaN(d) ? String(iso) : d.toLocaleString(); }
  function copyButton(getText) {
    return el("button", { type: "button", class: "secondary", text: "Copy", onclick: function (e) {
      var btn = e.currentTarget, text = getText();
      function done(ok) { btn.textContent = ok ? "Copied" : "Select and copy"; setTimeout(function () { btn.textContent = "Copy"; }, 1500); }
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      else done(false);
    } });
  }
  function copyField(value, label) {
    var input = el("input", { type: "text", readonly: true, value: value, size: Math.min(90, value.length + 2), "aria-label": label || "value" });
    input.addEventListener("focus", function () { input.select(); });
    return el("span", { class: "row" }, input, copyButton(function () { return value; }));
  }
  function message(node, text, kind) { clear(node); add(node, el("p", { class: kind || "error", text: text })); }

  // ---- API -------------------------------------------------------------------------------
  function call(method, path, body) {
    var init = { method: method, headers: { authorization: "Bearer " + session.token }, credentials: "omit", cache: "no-store" };
    if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (t) {
        var json = null;
        try { json = t ? JSON.parse(t) : null; } catch (e) {}
        if (res.status === 401) { signOut("Your key was not accepted. Sign in again."); throw new Error("unauthorized"); }
        if (!res.ok) throw new Error(json && json.error ? json.error.code + ": " + json.error.message : "HTTP " + res.status);
        return json;
      });
    });
  }
  function tenantPath(rest) { return "/v1/admin/tenants/" + encodeURIComponent(session.tenantId) + (rest || ""); }

  // ---- plain words -------------------------------------------------------------------------
  var REASONS = {
    consent_missing: "No consent signal reached Sluice for this order, so nothing was sent.",
    consent_malformed: "A consent value was not one Sluice knows, so it counts as no consent.",
    consent_conflict: "The consent signals contradicted each other, so Sluice did not send.",
    withdrawn: "The buyer withdrew consent (or asked for erasure); the delivery was suppressed.",
    us_opt_out: "A US opt-out (GPP opt-out of sale, sharing or targeted ads, or Global Privacy Control) blocks ads use.",
    gpp_invalid: "The GPP string could not be read, so it counts as an opt-out.",
    gpp_section_unknown: "The GPP string carries a section Sluice cannot read; an opt-out could hide there.",
    tcf_invalid: "The TCF consent string could not be read.",
    tcf_not_service_specific: "The TCF string is not service-specific, which TCF v2.2 requires here.",
    tcf_policy_outdated: "The TCF string was made under an outdated TCF policy version.",
    tcf_vendors_disclosed_missing: "The TCF string does not list which vendors were disclosed to the user.",
    tcf_vendor_755_restricted: "The publisher restricted Google (TCF vendor 755).",
    tcf_vendor_755_not_disclosed: "Google (TCF vendor 755) was not disclosed to the user.",
    tcf_purpose_1_denied: "The user refused TCF purpose 1 (store or access information on a device).",
    tcf_purpose_7_denied: "The user refused TCF purpose 7 (measure ad performance).",
    tcf_vendor_755_no_consent: "The user did not consent to Google (TCF vendor 755).",
    tcf_granted: "The TCF string grants Google what it needs.",
    gcd_invalid: "Google's gcd consent parameter could not be read.",
    gcs_invalid: "Google's gcs consent parameter could not be read.",
    category_denied: "The user refused a CMP category your consent policy maps to this destination.",
    category_granted: "The user accepted the CMP category your consent policy maps to this destination.",
    gcm_ad_user_data_denied: "Google consent mode: the user denied ad_user_data.",
    gcm_ad_user_data_default_denied: "Google consent mode: ad_user_data was denied by the page default, and the user made no choice.",
    gcm_ad_user_data_missing: "Google consent mode did not say anything about ad_user_data.",
    gcm_default_only: "Only the page's consent-mode defaults were present, no user choice.",
    gcm_ad_user_data_granted: "Google consent mode: the user granted ad_user_data.",
    gcm_ad_user_data_default_granted: "Google consent mode: ad_user_data granted by default where no choice is required.",
    meta_consent_missing: "There was no explicit consent to share with Meta; Meta's Limited Data Use is no substitute.",
    destination_type_unknown: "This relay does not know the destination's type (any more), so no consent rule can grant it.",
    awaiting_consent: "Waiting (up to an hour) for the checkout page's beacon to bring consent.",
    destination_disabled: "The destination is switched off.",
  };
  // Platforms granted by their own explicit consent field, by field; a field not named here reads as itself.
  var PLATFORMS = { meta: "Meta", tiktok: "TikTok", pinterest: "Pinterest" };
  var FLAGS = [];
  for (var flagType in EXPLICIT_FLAGS) if (EXPLICIT_FLAGS[flagType]) FLAGS.push(EXPLICIT_FLAGS[flagType]);
  // The platform and verdict of an explicit-consent reason (tiktok_denied), or null.
  function explicitReason(code) {
    var m = /^(.+)_(granted|denied|consent_missing)$/.exec(code);
    return m && FLAGS.indexOf(m[1]) >= 0 ? { name: PLATFORMS[m[1]] || m[1], verdict: m[2] } : null;
  }
  function plainReason(code) {
    if (!code) return "";
    if (REASONS[code]) return REASONS[code];
    var explicit = explicitReason(code);
    if (explicit) {
      var name = explicit.name;
      if (explicit.verdict === "granted") return "The buyer explicitly agreed to sharing with " + name + ".";
      if (explicit.verdict === "denied") return "The buyer refused sharing with " + name + ".";
      return "There was no explicit consent to share with " + name + "; Google's consent signals never grant " + name + ".";
    }
    if (/^gcm_/.test(code)) return "Decided by Google consent mode (" + code + ").";
    if (/^tcf_/.test(code)) return "Decided by the TCF string (" + code + ").";
    return code.replace(/_/g, " ") + ".";
  }
  function decidingSignal(code) {
    if (!code) return "";
    if (/^gcm_|^gcd_|^gcs_/.test(code)) return "Google consent mode";
    if (/^tcf_/.test(code)) return "IAB TCF string";
    if (/^gpp_|^us_opt_out/.test(code)) return "GPP / Global Privacy Control";
    if (/^category_/.test(code)) return "CMP category (your category map)";
    var explicit = explicitReason(code);
    if (explicit) return "explicit " + explicit.name + " consent";
    if (code === "withdrawn") return "withdrawal";
    if (code === "consent_missing") return "no signal at all";
    if (code === "consent_malformed") return "an unreadable consent field";
    if (code === "consent_conflict") return "contradicting consent signals";
    if (code === "destination_type_unknown") return "no consent rule for the destination's type";
    if (code === "awaiting_consent") return "beacon not yet received";
    return "";
  }
  var STATUS_WORDS = {
    pending: "queued", processing: "accepted, outcome pending", delivered: "delivered", validated: "validated (test traffic, not recorded)",
    failed: "failed", blocked: "not sent", suppressed: "suppressed", expired: "expired after 24 h", not_supported: "the platform takes no refunds or cancellations",
  };

  // ---- sign in -------------------------------------------------------------------------------
  function signOut(note) {
    if (S) { S.removeItem("sluice.token"); S.removeItem("sluice.tenant"); S.removeItem("sluice.actor"); }
    session = { token: null, tenantId: null, actor: null };
    tenant = null;
    renderSignIn(note);
  }
  function renderSignIn(note) {
    document.getElementById("nav").hidden = true;
    document.getElementById("signout").hidden = true;
    clear(document.getElementById("who"));
    var status = el("div");
    var key = el("input", { type: "password", id: "apikey", name: "apikey", autocomplete: "off", required: true, size: 48, placeholder: "sk_… or the operator token" });
    var form = el("form", { class: "card signin", id: "signin" },
      el("h1", { text: "Sign in" }),
      el("p", { class: "muted", text: "Use your tenant API key. The operator token lets you pick a tenant. The key stays in this browser tab only." }),
      el("label", {}, "API key", key),
      el("p", {}, el("button", { type: "submit", class: "primary", text: "Sign in" })),
      status);
    if (note) message(status, note);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      session.token = key.value.trim();
      call("GET", "/v1/admin/whoami").then(function (me) {
        session.actor = me.actor;
        if (me.actor === "tenant") return chooseTenant(me.tenantId);
        return call("GET", "/v1/admin/tenants?limit=100").then(function (list) { renderTenantPicker(list.tenants || []); });
      }).catch(function (err) { if (err.message !== "unauthorized") message(status, err.message); });
    });
    clear(main);
    add(main, form);
    key.focus();
  }
  function renderTenantPicker(tenants) {
    var select = el("select", { id: "tenant-pick", "aria-label": "Tenant" }, tenants.map(function (t) { return el("option", { value: t.id, text: t.name + " (" + t.id + ")" }); }));
    clear(main);
    add(main, el("form", { class: "card signin", onsubmit: function (e) { e.preventDefault(); chooseTenant(select.value); } },
      el("h1", { text: "Pick a tenant" }),
      tenants.length ? el("label", {}, "Tenant", select) : el("p", { text: "There are no tenants yet." }),
      el("p", {}, el("button", { type: "submit", class: "primary", text: "Open" }))));
  }
  function chooseTenant(id) {
    session.tenantId = id;
    if (S) { S.setItem("sluice.token", session.token); S.setItem("sluice.tenant", id); S.setItem("sluice.actor", session.actor || ""); }
    return loadTenant().then(function () { go(location.hash.slice(1) || "deliveries"); });
  }
  function loadTenant() {
    return call("GET", tenantPath()).then(function (r) {
      tenant = r.tenant;
      document.getElementById("nav").hidden = false;
      document.getElementById("signout").hidden = false;
      var who = clear(document.getElementById("who"));
      add(who, (session.actor === "operator" ? "operator · " : "") + tenant.name + " (" + tenant.id + ")");
    });
  }

  // ---- navigation ----------------------------------------------------------------------------
  var PAGES = { deliveries: renderDeliveries, explain: renderExplain, health: renderHealth, setup: renderSetup };
  function go(page) {
    if (!PAGES[page]) page = "deliveries";
    if (location.hash.slice(1) !== page) history.replaceState(null, "", "#" + page);
    var buttons = document.querySelectorAll("#nav button");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-page") === page) buttons[i].setAttribute("aria-current", "page"); else buttons[i].removeAttribute("aria-current");
    }
    clear(main);
    PAGES[page]();
  }
  function recentEvents(status, orderId, destinationId) {
    var q = "?limit=500&since=" + encodeURIComponent(new Date(Date.now() - DAY).toISOString()) + (status ? "&status=" + encodeURIComponent(status) : "") +
      (orderId ? "&orderId=" + encodeURIComponent(orderId) : "") + (destinationId ? "&destinationId=" + encodeURIComponent(destinationId) : "");
    return call("GET", tenantPath("/events" + q)).then(function (r) { return r.events || []; });
  }

  // ---- Deliveries ----------------------------------------------------------------------------
  function deliveryRows(deliveries) {
    return el("table", { class: "deliveries" },
      el("tr", {}, ["Destination", "Decision", "Status", "Why", "Attempts", "Last error", "Next attempt"].map(function (h) { return el("th", { text: h }); })),
      deliveries.map(function (d) {
        return el("tr", { "data-destination": d.destinationId },
          el("td", {}, el("strong", { text: d.destinationId }), el("div", { class: "muted small", text: d.type })),
          el("td", {}, badge(d.decision)),
          el("td", {}, badge(d.status), el("div", { class: "muted small", text: STATUS_WORDS[d.status] || "" })),
          el("td", { class: "reason" }, el("div", { text: plainReason(d.reason) }), el("code", { text: d.reason })),
          el("td", { text: d.attempts }),
          el("td", {}, d.lastError ? el("code", { text: d.lastError }) : ""),
          el("td", { text: d.nextAttemptAt ? when(d.nextAttemptAt) : "" }));
      }));
  }
  function replayButton(eventId, out) {
    return el("button", { type: "button", class: "secondary", text: "Replay", onclick: function () {
      call("POST", tenantPath("/events/" + encodeURIComponent(eventId) + "/replay")).then(function (r) {
        message(out, "Replaying: " + r.replayed + " delivery(ies) queued again.", "notice");
      }, function (err) { message(out, err.message); });
    } });
  }
  function eventCard(ev) {
    var out = el("div");
    var canReplay = ev.deliveries.some(function (d) { return d.status === "failed" || d.status === "expired"; });
    return el("div", { class: "card event", "data-order": ev.orderId, "data-event": ev.id },
      el("div", { class: "row" },
        el("strong", { text: "Order " + ev.orderId }),
        el("span", { class: "muted", text: "from " + ev.sourceId + " · received " + when(ev.receivedAt) + " · kept until " + when(ev.expiresAt) }),
        canReplay ? replayButton(ev.id, out) : null),
      deliveryRows(ev.deliveries), out);
  }
  function renderDeliveries() {
    var status = el("select", { id: "f-status", "aria-label": "Status" }, el("option", { value: "", text: "any status" }),
      ["pending", "processing", "delivered", "validated", "failed", "blocked", "suppressed", "expired", "not_supported"].map(function (s) { return el("option", { value: s, text: s }); }));
    var dest = el("select", { id: "f-destination", "aria-label": "Destination" }, el("option", { value: "", text: "any destination" }),
      tenant.destinations.map(function (d) { return el("option", { value: d.id, text: d.id }); }));
    var reason = el("input", { id: "f-reason", type: "text", placeholder: "reason, e.g. consent_missing", "aria-label": "Reason" });
    var order = el("input", { id: "f-order", type: "text", placeholder: "order id", "aria-label": "Order id" });
    var list = el("div", { id: "events" });
    var events = [];
    function draw() {
      clear(list);
      var shown = events.filter(function (ev) {
        if (order.value.trim() && ev.orderId !== order.value.trim()) return false;
        // Status, destination and reason are one delivery's (as the events API filters them): a
        // blocked Meta delivery does not make the same order's delivered TikTok one match "blocked".
        return ev.deliveries.some(function (d) {
          return (!status.value || d.status === status.value) && (!dest.value || d.destinationId === dest.value) &&
            (!reason.value.trim() || d.reason.indexOf(reason.value.trim()) >= 0);
        });
      });
      add(list, el("p", { class: "muted", text: shown.length + " of " + events.length + " events in the last 24 hours" }));
      shown.forEach(function (ev) { add(list, eventCard(ev)); });
    }
    var loads = 0;
    function load() {
      // Only the latest load is drawn: an earlier, slower answer (the page's first list) must not
      // replace the one asked for since (an order id, which the relay looks up: the newest 500
      // events need not include it).
      var mine = ++loads;
      recentEvents(status.value, order.value.trim(), dest.value).then(function (evs) { if (mine !== loads) return; events = evs; draw(); }, function (err) { if (mine === loads) message(list, err.message); });
    }
    // Status, destination and order id go to the relay (the newest 500 events of the day need not
    // hold what is asked for); the reason matches any part of a code, here.
    [status, dest, order].forEach(function (f) { f.addEventListener("change", load); });
    [reason, order].forEach(function (f) { f.addEventListener("input", draw); });
    reason.addEventListener("change", draw);
    add(main, el("h1", { text: "Deliveries" }),
      el("form", { class: "card inline", onsubmit: function (e) { e.preventDefault(); load(); } },
        el("label", {}, "Status", status), el("label", {}, "Destination", dest), el("label", {}, "Reason", reason), el("label", {}, "Order id", order),
        el("button", { type: "submit", class: "primary", text: "Refresh" })),
      list);
    load();
  }

  // ---- Explain an order ----------------------------------------------------------------------
  function renderExplain() {
    var order = el("input", { id: "explain-order", type: "text", required: true, placeholder: "order id", "aria-label": "Order id" });
    var out = el("div", { id: "story" });
    add(main, el("h1", { text: "Explain an order" }),
      el("form", { class: "card inline", onsubmit: function (e) { e.preventDefault(); explain(order.value.trim(), out); } },
        el("label", {}, "Order id", order), el("button", { type: "submit", class: "primary", text: "Explain" })),
      out);
  }
  function explain(orderId, out) {
    clear(out);
    if (!orderId) return;
    add(out, el("p", { class: "muted", text: "Looking…" }));
    recentEvents("", orderId).then(function (events) {
      var mine = events.filter(function (ev) { return ev.orderId === orderId; });
      if (!mine.length) { message(out, "No event for order " + orderId + " in the last 24 hours (events are kept 24 hours).", "muted"); return; }
      return Promise.all(mine.map(function (ev) { return call("GET", tenantPath("/events/" + encodeURIComponent(ev.id))); })).then(function (details) {
        clear(out);
        details.sort(function (a, b) { return a.receivedAt < b.receivedAt ? -1 : 1; });
        details.forEach(function (ev) { add(out, story(ev)); });
      });
    }).catch(function (err) { message(out, err.message); });
  }
  function listOrNone(items) { return items && items.length ? items.join(", ") : "none"; }
  // Field names of the destinations' payloads, in words (Meta's and Pinterest's user_data keys,
  // TikTok's user keys, Google's names); several platforms' names for one identifier read as one.
  var FIELD_WORDS = { em: "e-mail", ph: "phone", fn: "first name", ln: "last name", ct: "city", st: "state", zp: "zip", country: "country",
    external_id: "external id", email: "e-mail", phone: "phone", hashedEmail: "e-mail", hashedPhoneNumber: "phone", firstName: "first name",
    lastName: "last name", postalCode: "zip", regionCode: "country", city: "city", state: "state" };
  function story(ev) {
    var idFields = [];
    for (var family in ev.identifiers || {}) (ev.identifiers[family] || []).forEach(function (f) { var word = FIELD_WORDS[f] || f; if (idFields.indexOf(word) < 0) idFields.push(word); });
    var steps = [
      el("li", { text: "Received from source \u201c" + ev.sourceId + "\u201d at " + when(ev.receivedAt) + ": " + (ev.eventName || "event") + ", " + (ev.receivedValue !== undefined ? ev.receivedValue : ev.value) + " " + ev.currency + ", occurred " + when(ev.occurredAt) + "." +
        (ev.receivedValue !== undefined ? " Refunds and cancellations since bring it to " + ev.value + " " + ev.currency + "." : "") }),
      el("li", { text: "It carried these identifiers (hashed; values are never shown): " + listOrNone(idFields) + ". Click ids: " + listOrNone(ev.clickIds) + "." }),
      el("li", { text: "Consent signals Sluice had for it: " + listOrNone(ev.consentSignals) + "." }),
    ];
    ev.deliveries.forEach(function (d) {
      var signal = decidingSignal(d.reason);
      var verdict = d.decision === "blocked" ? "was not sent" : d.decision === "send_denied_flag" ? "was sent as click id only, flagged consent denied" : d.decision === "pending" ? "is waiting" : "was allowed";
      steps.push(el("li", { class: "delivery-story", "data-destination": d.destinationId },
        el("strong", { text: d.destinationId + " (" + d.type + ") " + verdict + ". " }),
        plainReason(d.reason) + (signal ? " Decided by: " + signal + "." : "") + " ",
        el("code", { text: d.reason }), " → ", badge(d.status),
        d.attempts ? " after " + d.attempts + " attempt(s)" : "",
        d.lastError ? el("span", {}, "; last error ", el("code", { text: d.lastError })) : "",
        d.nextAttemptAt ? "; next attempt " + when(d.nextAttemptAt) : ""));
    });
    var adjustments = ev.adjustments || [];
    if (adjustments.length) {
      steps.push(el("li", {}, "Adjustments (refunds, cancellations):", el("ul", {}, adjustments.map(function (a) {
        var parts = [];
        for (var k in a) if (a[k] !== null && typeof a[k] !== "object") parts.push(k + ": " + a[k]);
        return el("li", { text: parts.join(", ") });
      }))));
    }
    return el("div", { class: "card", "data-event": ev.id },
      el("h2", { text: "Order " + ev.orderId }),
      el("ol", { class: "story" }, steps));
  }

  // ---- Health --------------------------------------------------------------------------------
  var LANE_WORDS = { ok: "OK", retrying: "retrying", circuit_open: "circuit open (paused after repeated failures)", needs_attention: "needs attention" };
  function renderHealth() {
    var out = el("div", { id: "health" }, el("p", { class: "muted", text: "Loading…" }));
    add(main, el("h1", { text: "Health" }), out);
    call("GET", tenantPath("/stats")).then(function (stats) {
      clear(out);
      var lanes = el("div", { class: "grid2" });
      Object.keys(stats.destinations).sort().forEach(function (id) {
        var d = stats.destinations[id], lane = d.lane || { state: "ok" };
        var blocked = 0;
        for (var r in d.blocked) blocked += d.blocked[r];
        var note = lane.state === "needs_attention" ? [el("p", { class: "error", text: lane.message }), el("p", { class: "muted small", text: "Code " + lane.code + " since " + when(lane.since) + "; next probe " + when(lane.nextProbeAt) + ". Deliveries stay queued until it is fixed." })]
          : lane.state === "circuit_open" ? el("p", { class: "muted", text: "Paused until " + when(lane.until) + "." })
          : lane.state === "retrying" ? el("p", { class: "muted", text: lane.retrying + " delivery(ies) waiting for a retry." }) : null;
        add(lanes, el("div", { class: "card lane", "data-destination": id },
          el("div", { class: "row" }, el("strong", { text: id }), badge(lane.state), el("span", { class: "muted", text: LANE_WORDS[lane.state] || lane.state })),
          note,
          el("dl", { class: "kv" },
            el("dt", { text: "delivered" }), el("dd", { text: d.delivered + (d.validated ? " (+" + d.validated + " validated test)" : "") }),
            el("dt", { text: "blocked" }), el("dd", { text: blocked + (blocked ? " — " + Object.keys(d.blocked).map(function (k) { return k + " " + d.blocked[k]; }).join(", ") : "") }),
            el("dt", { text: "failed / expired" }), el("dd", { text: d.failed + " / " + d.expired }),
            el("dt", { text: "suppressed" }), el("dd", { text: d.suppressed }))));
      });
      add(out, el("h2", { text: "Destinations" }), lanes,
        el("h2", { text: "Last 24 hours, per hour" }), el("div", { class: "card" }, chart(stats.hourly || [])),
        el("h2", { text: "Identifier coverage" }), coverage(stats.coverage),
        el("p", { class: "muted", text: "Received " + stats.received + ", duplicates " + stats.duplicates + ", purged after 24 h " + stats.purged + "." +
          (stats.erasedDropped ? " Not stored, of an erased person: " + stats.erasedDropped + "." : "") }));
    }, function (err) { message(out, err.message); });
  }
  function chart(hourly) {
    var now = new Date(), slots = [], byHour = {};
    hourly.forEach(function (h) { byHour[h.hour] = h; });
    for (var i = 23; i >= 0; i--) {
      var hour = new Date(now.getTime() - i * 3600000).toISOString().slice(0, 13);
      slots.push(byHour[hour] || { hour: hour, delivered: 0, validated: 0, blocked: 0, failed: 0 });
    }
    var kinds = ["delivered", "validated", "blocked", "failed"], max = 1;
    slots.forEach(function (s) { max = Math.max(max, (s.delivered || 0) + (s.validated || 0) + s.blocked + s.failed); });
    var W = 720, H = 180, pad = 28, bw = (W - pad - 8) / 24;
    var colors = { delivered: "#1a7f37", validated: "#8250df", blocked: "#9a6700", failed: "#cf222e" };
    var root = svg("svg", { class: "chart", viewBox: "0 0 " + W + " " + (H + 24), role: "img", "aria-label": "Delivered, test traffic validated, blocked and failed per hour" },
      svg("title", { text: "Delivered, test traffic validated, blocked and failed per hour, last 24 hours" }),
      svg("line", { x1: pad, y1: H, x2: W, y2: H, stroke: "#d8dde3" }),
      svg("text", { x: 2, y: 10, text: String(max) }), svg("text", { x: 2, y: H, text: "0" }));
    slots.forEach(function (s, i) {
      var y = H, x = pad + i * bw + 2;
      kinds.forEach(function (k) {
        if (!s[k]) return;
        var h = (s[k] / max) * (H - 10);
        y -= h;
        add(root, svg("rect", { x: x, y: y, width: bw - 4, height: h, fill: colors[k], "data-kind": k, "data-hour": s.hour }, svg("title", { text: s.hour + ":00 UTC " + k + " " + s[k] })));
      });
      if (i % 3 === 0) add(root, svg("text", { x: x, y: H + 14, text: s.hour.slice(11) + "h" }));
    });
    return el("div", {}, root, el("div", { class: "legend" },
      kinds.map(function (k) { var s = el("span", { text: k === "validated" ? "validated (test)" : k }); s.style.setProperty("--c", colors[k]); return s; })));
  }
  function coverage(c) {
    var rows = [["E-mail", c.email], ["Phone", c.phone], ["Click id", c.clickId], ["IP and user agent", c.ipUserAgent]];
    return el("div", { class: "card bars" }, el("p", { class: "muted", text: "Share of the " + c.events + " events held (last 24 h) that carried each kind of identifier." }),
      rows.map(function (r) {
        var pct = Math.round((r[1] || 0) * 100), fill = el("div", { class: "fill" });
        fill.style.width = pct + "%";
        return el("div", { class: "bar", "data-kind": r[0] }, el("span", { text: r[0] }), el("div", { class: "track" }, fill), el("span", { text: pct + "%" }));
      }));
  }

  // ---- Setup ---------------------------------------------------------------------------------
  var SOURCE_HELP = {
    shopify: "Shopify: Settings → Notifications → Webhooks (or your app): subscribe Order payment (orders/paid), JSON, to this URL. The secret is the signing secret shown there.",
    stripe: "Stripe: Developers → Webhooks → Add endpoint with this URL and the events checkout.session.completed and checkout.session.async_payment_succeeded. The secret is the endpoint's whsec_ signing secret.",
    woocommerce: "WooCommerce: Settings → Advanced → Webhooks → Add webhook: topic Order updated, API version WP REST v3, this URL as the delivery URL, the same secret as here.",
    roller: "ROLLER: create a webhook subscription (POST /webhooks on the ROLLER API) with this URL, authentication.apiKey = the source secret, booking events Created, Updated and Cancelled, include externalId.",
    standard: "Standard: your server posts Sluice's JSON format signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) to this URL.",
  };
  function section(title, id) { var body = el("div"); add(main, el("div", { class: "card", id: id }, el("h2", { text: title }), body)); return body; }
  function renderSetup() {
    add(main, el("h1", { text: "Setup" }));
    loadTenant().then(function () {
      sources(section("Sources", "setup-sources"));
      destinations(section("Destinations", "setup-destinations"));
      origins(section("Allowed origins", "setup-origins"));
      consentPolicy(section("Consent policy", "setup-consent"));
      beacon(section("Checkout snippet and beacon key", "setup-beacon"));
    }, function (err) { message(main, err.message); });
  }
  function sources(body) {
    if (!tenant.sources.length) add(body, el("p", { class: "muted", text: "No sources yet: PUT /v1/admin/tenants/" + tenant.id + "/sources/<id> (see the API reference)." }));
    tenant.sources.forEach(function (s) {
      var url = location.origin + "/v1/hooks/" + tenant.id + "/" + s.id;
      add(body, el("div", { class: "source", "data-source": s.id },
        el("h3", {}, s.id + " ", badge(s.type)),
        el("label", {}, "Webhook URL", copyField(url, "Webhook URL of " + s.id)),
        el("p", { class: "muted", text: SOURCE_HELP[s.type] || "" }),
        el("p", { class: "small muted", text: "Secret " + (s.secretSet ? "set" : "missing") + (s.credentialsSet.length ? "; API credentials set: " + s.credentialsSet.join(", ") : "") + "; updated " + when(s.updatedAt) })));
    });
  }
  function testMode(d) {
    var s = d.settings, code = s.testEventCode;
    if (d.type === "meta" && code) return "Test event code " + code + " is set: live events go to Events Manager → Test events and end as validated.";
    if (d.type === "tiktok" && code) return "Test event code " + code + " is set: TikTok takes the events as test events (Events Manager → the pixel → Test events), not as live traffic; deliveries end as validated.";
    if (d.type === "pinterest" && s.validateOnly) return "validateOnly is set: events go with ?test=true, so Pinterest checks them and answers as usual but records none; deliveries end as validated.";
    if (/^google_/.test(d.type) && s.validateOnly) return "validateOnly is set: Google checks every upload without recording it; deliveries end as validated.";
    if (s.validateOnly || code) return "Test traffic (" + (code ? "testEventCode" : "validateOnly") + " is set): deliveries end as validated, not recorded by the platform.";
    return "Live: accepted events are recorded by the platform.";
  }
  function destinations(body) {
    if (!tenant.destinations.length) add(body, el("p", { class: "muted", text: "No destinations yet." }));
    tenant.destinations.forEach(function (d) {
      var out = el("div", { class: "test-result" });
      var settings = el("dl", { class: "kv" });
      Object.keys(d.settings).forEach(function (k) { add(settings, el("dt", { text: k }), el("dd", {}, el("code", { text: typeof d.settings[k] === "object" ? JSON.stringify(d.settings[k]) : String(d.settings[k]) }))); });
      add(body, el("div", { class: "destination", "data-destination": d.id },
        el("h3", {}, d.id + " ", badge(d.type), " ", badge(d.enabled ? "ok" : "disabled")),
        settings,
        el("p", { class: "small muted", text: "Credentials set: " + listOrNone(d.credentialsSet) + ". " + testMode(d) }),
        el("p", { class: "row" },
          el("button", { type: "button", class: "secondary dry-run", text: "Send a test event (dry run)", onclick: function () { dryRun(d, out); } }),
          inTestMode(d) ? el("button", { type: "button", class: "secondary test-send", text: "Send a test event to " + platformName(d.type) + " (test mode)", onclick: function () { testSend(d, out); } }) : null),
        out));
    });
  }
  // The platform's test mode (src/destinations/test-mode.ts): only then does a test event leave the relay.
  function inTestMode(d) { return (typeof d.settings.testEventCode === "string" && d.settings.testEventCode !== "") || d.settings.validateOnly === true; }
  function platformName(type) {
    var flag = EXPLICIT_FLAGS[type];
    return flag ? (PLATFORMS[flag] || flag) : /^google_/.test(type) ? "Google" : type;
  }
  var TEST_WORDS = {
    validated: "accepted as test traffic: checked, not recorded.",
    processing: "accepted; the platform checks it asynchronously.",
    retry: "not accepted now (a temporary error); try again later.",
    hold: "refused until the destination's settings or credentials are fixed.",
    failed: "refused.",
  };
  function testSend(d, out) {
    message(out, "Sending…", "muted");
    call("POST", tenantPath("/destinations/" + encodeURIComponent(d.id) + "/test-event")).then(function (r) {
      clear(out);
      add(out, el("p", { class: "test-outcome" }, "Sent to " + platformName(d.type) + " (" + (r.mode === "validate_only" ? "validateOnly" : "test event code") + "): ", badge(r.status), " ",
          r.code ? el("code", { text: r.code }) : "", " " + (TEST_WORDS[r.status] || "") + (r.message ? " " + r.message : "")),
        r.payload ? el("pre", { class: "payload", text: JSON.stringify(r.payload, null, 2) }) : null);
    }, function (err) { message(out, err.message); });
  }
  function dryRun(d, out) {
    var source = tenant.sources.filter(function (s) { return s.type === "standard"; })[0];
    if (!source) { message(out, "A dry run needs a standard source to parse a sample event; add one, or use POST /dry-run with a real webhook of your platform.", "muted"); return; }
    // A sample purchase the tested destination's consent rule grants: consent mode for Google's
    // destinations, the destination's own explicit field for the others (meta, tiktok, pinterest).
    var consent = { gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" }, categories: {} };
    if (EXPLICIT_FLAGS[d.type]) consent[EXPLICIT_FLAGS[d.type]] = "granted";
    var body = {
      type: "purchase", orderId: "console-test-" + Date.now(), occurredAt: new Date().toISOString(), value: 1, currency: "EUR",
      customer: { email: "test@example.com", country: "DE" },
      clickIds: { gclid: "console-test-gclid", fbp: "fb.1.1700000000000.1", ttclid: "console-test-ttclid", ttp: "console-test-ttp", epik: "console-test-epik" },
      client: { ip: "203.0.113.1", userAgent: navigator.userAgent, pageUrl: location.origin + "/console" },
      consent: consent,
    };
    call("POST", tenantPath("/dry-run"), { sourceId: source.id, headers: {}, body: body }).then(function (r) {
      clear(out);
      var mine = (r.deliveries || []).filter(function (x) { return x.destinationId === d.id; })[0];
      if (!mine) { add(out, el("p", { class: "muted", text: "This destination would not receive the sample (disabled?)." })); return; }
      add(out, el("p", {}, "Decision ", badge(mine.decision), " ", el("code", { text: mine.reason }), " — " + plainReason(mine.reason) + " Nothing was sent: this is a dry run; identifier values are redacted."),
        mine.payload ? el("pre", { class: "payload", text: JSON.stringify(mine.payload, null, 2) }) : el("p", { class: "muted", text: "Not sent: " + JSON.stringify(mine.notSent || null) }));
    }, function (err) { message(out, err.message); });
  }
  function origins(body) {
    var area = el("textarea", { id: "origins", "aria-label": "Allowed origins, one per line" });
    area.value = tenant.allowedOrigins.join("\n");
    var out = el("div");
    add(body, el("p", { class: "muted", text: "Pages on these origins may send beacons (one origin per line, e.g. https://shop.example)." }), area,
      el("p", {}, el("button", { type: "button", class: "primary", text: "Save origins", onclick: function () {
        var list = area.value.split(/\s+/).filter(Boolean);
        call("PATCH", tenantPath(), { allowedOrigins: list }).then(function (r) { tenant = r.tenant; message(out, "Saved.", "notice"); }, function (err) { message(out, err.message); });
      } })), out);
  }
  function consentPolicy(body) {
    var p = tenant.consentPolicy || { googleOnDenied: "drop", categoryMap: {}, userRegion: "auto" };
    var onDenied = el("select", { id: "policy-google" }, ["drop", "send_denied_flag"].map(function (v) { return el("option", { value: v, text: v, selected: v === p.googleOnDenied }); }));
    var region = el("select", { id: "policy-region" }, ["auto", "eea", "us", "other"].map(function (v) { return el("option", { value: v, text: v, selected: v === p.userRegion }); }));
    var map = el("textarea", { id: "policy-map", "aria-label": "Category map (JSON)" });
    map.value = JSON.stringify(p.categoryMap || {}, null, 2);
    var out = el("div");
    add(body, el("div", { class: "row" }, el("label", {}, "Google when ad_user_data is denied", onDenied), el("label", {}, "Users' region", region)),
      el("label", {}, "Category map: CMP category or purpose id → destination ids (JSON)", map),
      el("p", {}, el("button", { type: "button", class: "primary", text: "Save policy", onclick: function () {
        var parsed;
        try { parsed = JSON.parse(map.value || "{}"); } catch (e) { message(out, "The category map is not valid JSON."); return; }
        call("PUT", tenantPath("/consent-policy"), { googleOnDenied: onDenied.value, userRegion: region.value, categoryMap: parsed }).then(function () { message(out, "Saved.", "notice"); }, function (err) { message(out, err.message); });
      } })), out);
  }
  function beacon(body) {
    var src = location.origin + "/v1/collect/" + tenant.id + "/sluice.js";
    var tag = '<script async src="' + src + '" data-join-key="JOIN_KEY" data-join-token="JOIN_TOKEN"></' + 'script>';
    var out = el("div", { id: "beacon-key-out" });
    add(body,
      el("p", {}, "Beacon mode ", badge(tenant.beaconAuth), tenant.beaconAuth === "signed" ? " — beacons need a join token minted by your checkout server with the beacon key." : " — origin only: anyone who knows a join key can write consent for it."),
      el("p", { id: "beacon-key-state", text: tenant.beaconKeySet ? "A beacon key is set." : "No beacon key yet: signed beacons are refused until you create one." }),
      el("p", {}, el("button", { type: "button", id: "rotate-beacon-key", class: "primary", text: tenant.beaconKeySet ? "Rotate beacon key" : "Create beacon key", onclick: function () {
        if (tenant.beaconKeySet && !window.confirm("Rotate the beacon key? The current key keeps working for 24 hours.")) return;
        call("POST", tenantPath("/beacon-key")).then(function (r) {
          tenant.beaconKeySet = true;
          clear(out);
          add(out, el("p", { class: "notice", text: "New beacon key: shown once, copy it to your checkout server now. The previous key keeps verifying for 24 hours." }),
            copyField(r.beaconKey, "New beacon key"));
          document.getElementById("beacon-key-state").textContent = "A beacon key is set.";
        }, function (err) { message(out, err.message); });
      } })),
      out,
      el("h3", { text: "Snippet for your checkout page" }),
      el("pre", { class: "snippet", text: tag }), copyButton(function () { return tag; }),
      el("p", { class: "muted", text: "See the README's \u201cThe checkout snippet\u201d for Shopify, Stripe Checkout, WooCommerce and ROLLER." }));
  }

  // ---- start ---------------------------------------------------------------------------------
  document.getElementById("nav").addEventListener("click", function (e) {
    var page = e.target && e.target.getAttribute && e.target.getAttribute("data-page");
    if (page && tenant) go(page);
  });
  document.getElementById("signout").addEventListener("click", function () { signOut(); });
  window.addEventListener("hashchange", function () { if (tenant) go(location.hash.slice(1)); });
  if (session.token && session.tenantId) {
    loadTenant().then(function () { go(location.hash.slice(1) || "deliveries"); }, function () { signOut(); });
  } else {
    renderSignIn();
  }
})();
`;
