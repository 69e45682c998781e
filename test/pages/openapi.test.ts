import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { operations } from "../../src/openapi/operations";
import { api } from "../helpers/relay";

/** `:id` → `{id}`; Hono lists a sub-app's "/" route with a trailing slash, OpenAPI paths have none. */
function openApiPath(honoPath: string): string {
  const path = honoPath.replace(/:(\w+)/g, "{$1}");
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** Every method handler the app registers (ALL = middleware and 405 answers, not operations). */
function registeredOperations(): string[] {
  const ops = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`);
  return [...new Set(ops)].sort();
}

describe("OpenAPI document", () => {
  it("lists every route registered in the app, and nothing the app does not serve", async () => {
    const res = await api("/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    const registered = registeredOperations();
    expect(registered.length).toBeGreaterThan(30);
    expect(registered.filter((op) => !documented.includes(op))).toEqual([]);
    expect(documented.filter((op) => !registered.includes(op))).toEqual([]);
  });

  it("describes request bodies with the schemas the routes validate with", async () => {
    const doc = (await (await api("/v1/openapi.json")).json()) as any;
    const createTenant = doc.paths["/v1/admin/tenants"].post.requestBody.content["application/json"].schema;
    expect(createTenant.required).toEqual(expect.arrayContaining(["name", "region"]));
    expect(createTenant.properties.region.enum).toEqual(expect.arrayContaining(["eu", "us", "global"]));
    expect(createTenant.additionalProperties).toBe(false);
    const beacon = doc.paths["/v1/collect/{tenantId}"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(beacon.properties)).toEqual(expect.arrayContaining(["joinKey", "joinToken", "consent", "clickIds", "page"]));
    const events = doc.paths["/v1/admin/tenants/{id}/events"].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    expect(events).toEqual([
      "path:id",
      "query:status",
      "query:since",
      "query:orderId",
      "query:destinationId",
      "query:reason",
      "query:limit",
    ]);
    expect(operations.every((op) => op.summary.length > 0)).toBe(true);
  });

  it("renders a readable reference at /docs from the same document, with a strict CSP", async () => {
    const res = await api("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    const page = await res.text();
    for (const op of operations) expect(page).toContain(`<code>${op.path}</code>`);
    expect(page).toContain("<code>joinToken</code>");
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/https?:\/\/(?!spec\.|zod\.dev)[^"'\s<]*\.(js|css)/);
  });
});
