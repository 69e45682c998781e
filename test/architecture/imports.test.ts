/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

/**
 * Guards of the layout (issue 13): the pipeline has one home, routes do not lean on each other,
 * the Worker reaches the Durable Object only through its class and its RPC types, and the
 * Durable Object knows sources only through their registry. The source text is read at build
 * time by Vite's import.meta.glob, so the check runs with the rest of the suite.
 */
const files: Record<string, string> = {
  ...import.meta.glob(["/src/**/*.ts", "/durable-objects/**/*.ts"], { query: "?raw", import: "default", eager: true }),
};

/** Every module specifier a file imports or re-exports, resolved against the file (repo-relative). */
function importsOf(file: string): string[] {
  const specifiers = [...files[file]!.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => resolve(file, s));
}

function resolve(file: string, specifier: string): string {
  const parts = file.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  const path = parts.join("/");
  return files[`${path}.ts`] !== undefined ? `${path}.ts` : files[`${path}/index.ts`] !== undefined ? `${path}/index.ts` : path;
}

const under = (prefix: string) => Object.keys(files).filter((f) => f.startsWith(prefix));
/** A route module defines routes; helpers beside it (auth, context, commit…) do not. */
const isRouteModule = (file: string) => file.startsWith("/src/routes/") && /\bnew Hono\b/.test(files[file]!);

/** The sources, by folder name (src/sources/<name>/). */
const names = [...new Set(under("/src/sources/").map((f) => f.split("/")[3]!))].filter(
  (name) => !name.endsWith(".ts") && name !== "shared",
);

/**
 * Whether `text` names a source: its folder name at the start of a word in any case (ROLLER,
 * rollerBooking) or capitalized inside an identifier (fetchRollerBooking); "standard", an English
 * word too, counts only as a string literal.
 */
function named(name: string, text: string): boolean {
  if (name === "standard") return /(["'`])standard\1/.test(text);
  const capitalized = name[0]!.toUpperCase() + name.slice(1);
  return new RegExp(`\\b${name}`, "i").test(text) || text.includes(capitalized);
}

describe("import boundaries", () => {
  it("sees the source tree", () => {
    expect(under("/src/routes/").length).toBeGreaterThan(10);
    expect(files["/durable-objects/TenantRelay.ts"]).toContain("class TenantRelay");
    expect(names).toEqual(expect.arrayContaining(["roller", "shopify", "standard", "stripe", "woocommerce"]));
  });

  it("recognises what it forbids", () => {
    expect(importsOf("/src/routes/ingest.ts")).toContain("/src/pipeline/receive.ts");
    expect(resolve("/src/routes/admin/dry-run.ts", "../ingest")).toBe("/src/routes/ingest.ts");
    expect(isRouteModule("/src/routes/ingest.ts")).toBe(true);
    expect(isRouteModule("/src/routes/admin/auth.ts")).toBe(false);
    expect(
      ["ROLLER booking", "fetchRollerBooking", 'type: "standard"', "wooCommerceSource"].map((t) => names.some((n) => named(n, t))),
    ).toEqual([true, true, true, true]);
    expect(["a controller", "Standard Webhooks", "enrichment"].map((t) => names.some((n) => named(n, t)))).toEqual([false, false, false]);
  });

  it("no route module imports another route module (only an index mounts them)", () => {
    const offending = under("/src/routes/")
      .filter((file) => !file.endsWith("/index.ts"))
      .flatMap((file) =>
        importsOf(file)
          .filter(isRouteModule)
          .map((target) => `${file} -> ${target}`),
      );
    expect(offending).toEqual([]);
  });

  it("src/ reaches the Durable Object only through the TenantRelay class", () => {
    const offending = under("/src/").flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith("/durable-objects/") && target !== "/durable-objects/TenantRelay.ts")
        .map((target) => `${file} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it("durable-objects/ names no source: it reaches them through the source registry", () => {
    const offending = under("/durable-objects/").flatMap((file) => [
      ...importsOf(file)
        .filter(
          (target) => target.startsWith("/src/sources/") && target !== "/src/sources/registry.ts" && target !== "/src/sources/types.ts",
        )
        .map((target) => `${file} imports ${target}`),
      ...names.filter((name) => named(name, files[file]!)).map((name) => `${file} names ${name}`),
    ]);
    expect(offending).toEqual([]);
  });
});
