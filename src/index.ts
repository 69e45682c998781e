import { Hono } from "hono";
import { benchApp } from "./bench/routes";
import { errorBody, handleError, methodNotAllowed } from "./http/errors";
import { configureLogging } from "./platform/log";
import { noStore, securityHeaders } from "./http/security-headers";
import { adminRoutes } from "./routes/admin";
import { collectRoutes } from "./routes/collect";
import { consentRoutes } from "./routes/consent";
import { ingestRoutes } from "./routes/ingest";
import { pageRoutes } from "./routes/pages";
import { snippetRoutes } from "./routes/snippet";

export { TenantRelay } from "../durable-objects/TenantRelay";

/** webhook → source adapter → identity → consent → TenantRelay → destination adapter */
const app = new Hono<{ Bindings: Env }>();

app.use("*", async (c, next) => {
  configureLogging(c.env.LOG_LEVEL);
  await next();
});
app.use("*", securityHeaders);
// Authenticated answers (API keys, config, logs, withdrawal receipts) are never cached.
app.use("/v1/admin/*", noStore);
app.use("/v1/consent/*", noStore);

app.get("/healthz", (c) => c.json({ ok: true }));
app.all("/healthz", methodNotAllowed(["GET"]));
app.route("/", pageRoutes);
app.route("/v1/hooks", ingestRoutes);
app.route("/v1/collect", snippetRoutes);
app.route("/v1/collect", collectRoutes);
app.route("/v1/consent", consentRoutes);
app.route("/v1/admin", adminRoutes);
// 404 unless BENCH_PROFILE = "1" (npm run bench only); not an operation of the public API.
app.all("/v1/bench/*", (c) => benchApp.fetch(c.req.raw, c.env));

app.notFound((c) => c.json(errorBody("not_found", "No such route"), 404));
app.onError(handleError);

export default app satisfies ExportedHandler<Env>;
