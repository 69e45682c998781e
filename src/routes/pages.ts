import { Hono } from "hono";
import { openApiDocument } from "../openapi/document";
import { renderDocs } from "../pages/docs";
import { pageHeaders } from "../pages/headers";
import { STYLE_CSS } from "../pages/style";

/** The pages the Worker renders itself: the API reference, its document, the shared style sheet. */
export const pageRoutes = new Hono<{ Bindings: Env }>();

pageRoutes.get("/v1/openapi.json", (c) => c.json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" }));

pageRoutes.get("/docs", async (c) => c.body(await renderDocs(openApiDocument()), 200, pageHeaders("text/html; charset=utf-8", 300)));

pageRoutes.get("/console/app.css", (c) => c.body(STYLE_CSS, 200, pageHeaders("text/css; charset=utf-8", 300)));
