export { TenantRelay } from "../durable-objects/TenantRelay";
export default { fetch: () => new Response("ok") } satisfies ExportedHandler<Env>;
