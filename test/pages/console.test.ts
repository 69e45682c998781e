import { describe, expect, it } from "vitest";
import { api } from "../helpers/relay";

describe("GET /console", () => {
  it("is a shell with no data, no inline code and a CSP that allows only the relay itself", async () => {
    const res = await api("/console");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    // An HTML document: isolated from cross-origin openers and embedders.
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("origin-agent-cluster")).toBe("?1");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const page = await res.text();
    // Every script and style sheet is a file of the relay; no inline code, nothing third-party.
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="/console/app.js" defer>']);
    expect(page).not.toMatch(/<style|style="|\son\w+=/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("with a trailing slash, as people type it, leads to the page (and so does /docs/)", async () => {
    for (const page of ["/console", "/docs"]) {
      const res = await api(`${page}/`, { redirect: "manual" });
      expect(res.status).toBe(301);
      expect(res.headers.get("location")).toBe(page);
    }
  });

  it("serves its script and style sheet from the relay; the script never writes HTML or keeps the key beyond the tab", async () => {
    const js = await api("/console/app.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const code = await js.text();
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(code).not.toContain("localStorage");
    expect(code).toContain("sessionStorage");
    const css = await api("/console/app.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain(".badge");
  });
});
