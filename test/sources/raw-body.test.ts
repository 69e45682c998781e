import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/config/encoding";
import { clock } from "../../src/platform/clock";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { BASE, createTenant, purchase, relayRows } from "../helpers/relay";
import { TEST_WHSEC } from "../helpers/standard-webhooks";
import { SECRETS, createSourceTenant, fixtures } from "./helpers";

useMsw();
useTestClock();

const enc = new TextEncoder();

async function hmac(key: Uint8Array<ArrayBuffer>, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, message));
}
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Standard Webhooks headers over exactly `bytes`. */
async function standardHeaders(bytes: Uint8Array<ArrayBuffer>, id = `msg_${crypto.randomUUID()}`) {
  const ts = String(Math.floor(clock.now() / 1000));
  const key = Uint8Array.from(atob(TEST_WHSEC.slice(6)), (c) => c.charCodeAt(0));
  const mac = await hmac(key, concat(enc.encode(`${id}.${ts}.`), bytes) as Uint8Array<ArrayBuffer>);
  return { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": `v1,${b64(mac)}` };
}

const post = (path: string, headers: Record<string, string>, body: Uint8Array) =>
  exports.default.fetch(`${BASE}${path}`, { method: "POST", headers, body });

describe("signatures are checked over the bytes as received", () => {
  it("a body signed with a leading byte-order mark verifies and is stored", async () => {
    // Decoding first (as text) drops the BOM, so an HMAC over the decoded text never matched.
    await createTenant("raw-bom");
    const bytes = concat(new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode(JSON.stringify(purchase("bom-1")))) as Uint8Array<ArrayBuffer>;
    const res = await post("/v1/hooks/raw-bom/shop", await standardHeaders(bytes), bytes);
    expect(res.status).toBe(202);
    expect((await relayRows("raw-bom")).events).toHaveLength(1);
  });

  it("bytes that are not UTF-8: signed over the bytes is 400 malformed_body; signed over a lossy decoding is 401", async () => {
    await createTenant("raw-bad-utf8");
    const json = JSON.stringify(purchase("utf8-1"));
    // An invalid byte inside a string value.
    const i = json.indexOf("Mary") + 2;
    const bytes = concat(enc.encode(json.slice(0, i)), new Uint8Array([0xff]), enc.encode(json.slice(i))) as Uint8Array<ArrayBuffer>;
    const overBytes = await post("/v1/hooks/raw-bad-utf8/shop", await standardHeaders(bytes), bytes);
    expect(overBytes.status).toBe(400);
    expect(((await overBytes.json()) as any).error.code).toBe("malformed_body");
    // What a decode-then-sign check accepted: the HMAC of the U+FFFD-replaced text.
    const lossy = utf8(new TextDecoder().decode(bytes));
    const overText = await post("/v1/hooks/raw-bad-utf8/shop", await standardHeaders(lossy), bytes);
    expect(overText.status).toBe(401);
    expect((await relayRows("raw-bad-utf8")).events).toEqual([]);
  });

  it("Shopify: the HMAC over the raw bytes, not over a re-encoding", async () => {
    await createSourceTenant({ id: "raw-shopify", type: "shopify", secret: SECRETS.shopify });
    const order = fixtures.shopifyPaid();
    order.created_at = order.processed_at = new Date(clock.now() - 60_000).toISOString();
    // Pretty-printed with escaped non-ASCII, as Shopify may send it: re-serializing would change the bytes.
    const bytes = enc.encode(JSON.stringify(order, null, 2).replace("Northwind", "North\\u0077ind")) as Uint8Array<ArrayBuffer>;
    const mac = await hmac(enc.encode(SECRETS.shopify) as Uint8Array<ArrayBuffer>, bytes);
    const headers = { "content-type": "application/json", "x-shopify-topic": "orders/paid", "x-shopify-hmac-sha256": b64(mac) };
    const res = await post("/v1/hooks/raw-shopify/hook", headers, bytes);
    expect(res.status).toBe(202);
  });
});
