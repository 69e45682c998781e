import { DurableObject } from "cloudflare:workers";

/**
 * The floor for `npm run bench`: what any webhook relay on Workers must do at least. It verifies a
 * Standard Webhooks signature (https://www.standardwebhooks.com: HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>", key = base64 after `whsec_`), inserts the body into
 * one Durable Object's SQLite storage (dedup on the webhook id) and answers 202 once it is stored.
 * No tenant lookup, no parsing, no hashing, no consent, no delivery.
 */
interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorObject>;
  SIGNING_SECRET: string;
}

export class FloorObject extends DurableObject<FloorEnv> {
  #statements = 0;
  #rowsWritten = 0;
  #rowsRead = 0;

  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, body TEXT NOT NULL)");
  }

  /** One statement: the insert (a redelivered id is ignored). */
  async insert(id: string, body: string): Promise<boolean> {
    const cursor = this.ctx.storage.sql.exec("INSERT OR IGNORE INTO events (id, received_at, body) VALUES (?, ?, ?)", id, Date.now(), body);
    this.#statements++;
    this.#rowsWritten += cursor.rowsWritten;
    this.#rowsRead += cursor.rowsRead;
    return cursor.rowsWritten > 0;
  }

  async stats(reset: boolean): Promise<{ statements: number; rowsRead: number; rowsWritten: number }> {
    const out = { statements: this.#statements, rowsRead: this.#rowsRead, rowsWritten: this.#rowsWritten };
    if (reset) this.#statements = this.#rowsRead = this.#rowsWritten = 0;
    return out;
  }
}

const TOLERANCE_SECONDS = 300;
const encoder = new TextEncoder();

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

async function verify(headers: Headers, body: Uint8Array<ArrayBuffer>, secret: string): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const raw = fromBase64(secret.replace(/^whsec_/, ""));
  if (!raw) return false;
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const head = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(head.length + body.length);
  signed.set(head);
  signed.set(body, head.length);
  for (const entry of signatures.split(" ").slice(0, 8)) {
    const mac = entry.startsWith("v1,") ? fromBase64(entry.slice(3)) : null;
    if (mac && mac.length === 32 && (await crypto.subtle.verify("HMAC", key, mac, signed))) return true;
  }
  return false;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    const object = env.FLOOR.getByName("floor");
    if (request.method === "GET" && url.pathname === "/healthz") return Response.json({ ok: true });
    if (request.method === "GET" && url.pathname === "/stats")
      return Response.json(await object.stats(url.searchParams.get("reset") === "1"));
    if (request.method !== "POST") return Response.json({ error: { code: "method_not_allowed" } }, { status: 405 });
    const body = new Uint8Array(await request.arrayBuffer());
    if (!(await verify(request.headers, body, env.SIGNING_SECRET))) {
      return Response.json({ error: { code: "invalid_signature" } }, { status: 401 });
    }
    const id = request.headers.get("webhook-id") ?? "";
    const stored = await object.insert(id, new TextDecoder().decode(body));
    return Response.json({ status: stored ? "accepted" : "duplicate", id }, { status: stored ? 202 : 200 });
  },
} satisfies ExportedHandler<FloorEnv>;
