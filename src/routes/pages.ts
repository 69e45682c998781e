import { Hono } from "hono";
import { consolePage } from "../console/page";
import { CONSOLE_JS } from "../console/script";
import { methodNotAllowed } from "../http/errors";
import { openApiDocument } from "../openapi/document";
import { renderDocs } from "../pages/docs";
import { pageHeaders } from "../pages/headers";
import { STYLE_CSS } from "../pages/style";

/** The pages the Worker renders itself: the console, the API reference, its document, their style sheet. */
export const pageRoutes = new Hono<{ Bindings: Env }>();

pageRoutes.get("/v1/openapi.json", (c) =>
  c.json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" }),
);

pageRoutes.get("/docs", async (c) => c.body(await renderDocs(openApiDocument()), 200, pageHeaders("text/html; charset=utf-8", 300)));

pageRoutes.get("/console/app.css", (c) => c.body(STYLE_CSS, 200, pageHeaders("text/css; charset=utf-8", 300)));

// The shell holds no data; the script reads the admin API with the key from sessionStorage.
pageRoutes.get("/console", async (c) => c.body(await consolePage(), 200, pageHeaders("text/html; charset=utf-8")));

pageRoutes.get("/console/app.js", (c) => c.body(CONSOLE_JS, 200, pageHeaders("text/javascript; charset=utf-8", 300)));

// A trailing slash, as people type it, leads to the page rather than a JSON 404.
for (const page of ["/console", "/docs"]) pageRoutes.get(`${page}/`, (c) => c.redirect(page, 301));

for (const path of ["/v1/openapi.json", "/docs", "/console", "/console/app.css", "/console/app.js"]) {
  pageRoutes.all(path, methodNotAllowed(["GET"]));
}
