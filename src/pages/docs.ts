import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * The readable API reference at `/docs`, rendered on the server from the OpenAPI document itself
 * (no third-party viewer, no script). Every value goes through hono/html's escaping.
 */

type Json = Record<string, unknown>;
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Backtick spans of the descriptions become <code>; everything stays escaped. */
function prose(text: unknown): Html {
  const parts = String(text ?? "").split("`");
  return html`${parts.map((p, i) => (i % 2 === 1 ? html`<code>${p}</code>` : html`${p}`))}`;
}

function typeOf(s: Json): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return ((s.anyOf ?? s.oneOf) as Json[]).map(typeOf).join(" | ");
  if (s.type === "array") return `${typeOf((s.items as Json) ?? {})}[]`;
  if (typeof s.type === "string") return s.format ? `${s.type} (${s.format})` : s.type;
  return "any";
}

function constraints(s: Json): string {
  const out: string[] = [];
  for (const [key, label] of [
    ["minLength", "min length"],
    ["maxLength", "max length"],
    ["minimum", "≥"],
    ["maximum", "≤"],
    ["minItems", "min items"],
    ["maxItems", "max items"],
    ["pattern", "pattern"],
  ] as const) {
    if (s[key] !== undefined) out.push(`${label} ${String(s[key])}`);
  }
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out.join(", ");
}

function fields(schema: Json, depth = 0): Html {
  if (depth > 6) return html``;
  const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (alternatives?.some((a) => a.properties)) {
    return html`<ul class="fields">
      ${alternatives.map((alt, i) => html`<li><em>alternative ${i + 1}</em>${fields(alt, depth + 1)}</li>`)}
    </ul>`;
  }
  const props = schema.properties as Record<string, Json> | undefined;
  if (!props) return html``;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return html`<ul class="fields">
    ${Object.entries(props).map(([name, s]) => {
      const inner = s.type === "array" ? ((s.items as Json) ?? {}) : s;
      const extra = constraints(s);
      return html`<li>
        <code>${name}</code> <span class="muted">${typeOf(s)}${required.has(name) && s.default === undefined ? ", required" : ""}${extra ? `, ${extra}` : ""}</span>
        ${s.description ? html` — ${prose(s.description)}` : ""} ${fields(inner, depth + 1)}
      </li>`;
    })}
  </ul>`;
}

function operation(path: string, method: string, op: Json): Html {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
  const responses = Object.entries((op.responses as Record<string, Json>) ?? {}).filter(([s]) => s !== "default");
  const anchor = String(op.operationId);
  return html`<section class="op" id="${anchor}">
    <h3><span class="method ${method}">${method}</span> <code>${path}</code></h3>
    <p><strong>${op.summary as string}</strong></p>
    ${String(op.description ?? "")
      .split("\n\n")
      .map((para) => html`<p>${prose(para)}</p>`)}
    ${
      params.length > 0
        ? html`<table>
          <tr><th>Parameter</th><th>In</th><th>Type</th><th>Notes</th></tr>
          ${params.map(
            (p) =>
              html`<tr><td><code>${p.name as string}</code></td><td>${p.in as string}</td><td>${typeOf((p.schema as Json) ?? {})}</td><td>${p.required ? "required" : "optional"}${constraints((p.schema as Json) ?? {}) ? `, ${constraints(p.schema as Json)}` : ""}${p.description ? html` — ${prose(p.description)}` : ""}</td></tr>`,
          )}
        </table>`
        : ""
    }
    ${body ? html`<h4>Request body</h4>${(body.schema as Json).description ? html`<p>${prose((body.schema as Json).description)}</p>` : ""}${fields(body.schema as Json)}` : ""}
    <h4>Responses</h4>
    <ul>
      ${responses.map(([status, r]) => html`<li><code>${status}</code> ${prose(r.description)}</li>`)}
      <li><code>4xx/5xx</code> <code>{ "error": { "code", "message" } }</code></li>
    </ul>
  </section>`;
}

export function renderDocs(doc: Json): Html {
  const info = doc.info as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const tags = ((doc.tags as Json[]) ?? []).map((t) => String(t.name));
  const byTag = (tag: string) =>
    Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.tags as string[])[0] === tag)
        .map(([method, op]) => ({ path, method, op })),
    );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${info.title as string} API reference</title>
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
<header class="top"><span class="brand">Sluice</span><nav><a href="/docs">API reference</a><a href="/v1/openapi.json">openapi.json</a><a href="/console">Console</a></nav></header>
<main>
<h1>${info.title as string} API v${info.version as string}</h1>
<p>${prose(info.description)}</p>
<p class="muted">OpenAPI ${doc.openapi as string}: <a href="/v1/openapi.json">/v1/openapi.json</a></p>
<div class="card"><strong>Contents</strong>
<ul>${tags.map((tag) => html`<li><a href="#tag-${tag}">${tag}</a>: ${byTag(tag).map(({ path, method, op }) => html`<a href="#${String(op.operationId)}">${method.toUpperCase()} ${path}</a> · `)}</li>`)}</ul>
</div>
${tags.map((tag) => html`<div class="card"><h2 id="tag-${tag}">${tag}</h2>${byTag(tag).map(({ path, method, op }) => operation(path, method, op))}</div>`)}
</main>
</body>
</html>`;
}
