import type { Miniflare } from "miniflare";
import { startRelayRuntime } from "../scripts/lib/relay-runtime.mjs";

export const ADMIN_TOKEN = "e2e-admin-token";

/**
 * The real bundled Worker (dist/index.js from `npm run build`) under the Miniflare API, with the
 * bindings of wrangler.toml and the outbound base URLs pointed at a local sandbox — the same
 * runtime the soak and the crash test use (scripts/lib/relay-runtime.mjs).
 */
export async function startRelay(opts: { sandboxUrl: string }): Promise<Miniflare> {
  return (await startRelayRuntime({ sandboxUrl: opts.sandboxUrl, adminToken: ADMIN_TOKEN })).mf;
}
