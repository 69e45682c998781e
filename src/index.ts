import { Hono } from "hono";
import { handleError, errorBody } from "./http/errors";
import { adminRoutes } from "./routes/admin";

export { TenantRelay } from "../durable-objects/TenantRelay";

const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/v1/admin", adminRoutes);
app.notFound((c) => c.json(errorBody("not_found", "No such route"), 404));
app.onError(handleError);

export default app satisfies ExportedHandler<Env>;
