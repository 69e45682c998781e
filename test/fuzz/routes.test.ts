import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../../src/platform/clock";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { ADMIN, admin, api, createTenant, joinTokenFor, purchase, relay } from "../helpers/relay";
import { signStandard } from "../helpers/standard-webhooks";
import { SECRETS, fixtures, sign } from "../sources/helpers";

/**
 * Property-based fuzzing of every public and admin route inside workerd (fast-check, fixed seed,
 * bounded runs): random and mutated bodies, headers, ids, signatures and consent strings.
 * Whatever arrives: never a 5xx, never a hang, and nothing stored for a request that did not
 * carry a valid signature (webhooks) or join token (beacons).
 */

useMsw();
useTestClock();

const SEED = 20261204;
const RUNS = { webhooks: 80, beacons: 40, admin: 60, consent: 20, dryRun: 30 };
/** A request answered later than this counts as a hang. */
const HANG_MS = 20_000;

const T = "fz";
const T_ADMIN = "fz-admin";

async function answered(res: Promise<Response>): Promise<{ status: number; text: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    const r = await Promise.race([res, hang]);
    return { status: r.status, text: await r.text() };
  } finally {
    clearTimeout(timer);
  }
}

function count(tenantId: string, table: "events" | "beacons"): Promise<number> {
  return runInDurableObject(relay(tenantId), (_i, state) => {
    try {
      return Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
    } catch {
      return 0; // the table does not exist yet: nothing was stored
    }
  });
}

// ---- arbitraries -------------------------------------------------------------------------------

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/);
const headerValue = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,120}$/), fc.constant(""), fc.constant("v1,".repeat(400)));
const randomHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 6 });
/** Any address: the failure budget is per address, and this suite must not spend the one other suites share. */
const address = fc.ipV4();
const id = fc.oneof(fc.constantFrom(T, "shop", "shopify", "stripe", "woo", "roller"), fc.stringMatching(/^[A-Za-z0-9._~%-]{1,80}$/));

const consentString = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constant(
    "CPzHq4APzHq4AAcABBENCpCsAP_AAH_AAAqIJNNd_H__bX9n-f7_6ft0eY1f9_r37uQzDhfNk-8F3L_W_LwX52E7NF36tq4KmR4ku1LBIUNlHMHUDUmwaokVryHsak2cpzNKJ7BEknMZOydYGF9vmxtj-QKY7_5_d3bx2D-t_9v239z3z81Xn3d53-_03LCdV5_9Dfn9fR_bc9KPt_58v8v8_____3_e__3_7997BAiAAA",
  ),
  fc.constant("DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"),
  fc.string({ unit: "binary", maxLength: 64 }),
);

const consentObject = fc.record(
  {
    meta: fc.oneof(fc.constantFrom("granted", "denied"), fc.string({ maxLength: 20 })),
    tcf: fc.record({ tcString: consentString }, { requiredKeys: [] }),
    gpp: fc.record(
      { gppString: consentString, applicableSections: fc.array(fc.integer({ min: -2, max: 20 }), { maxLength: 4 }) },
      { requiredKeys: [] },
    ),
    gcm: fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.constantFrom("granted", "denied"), fc.string({ maxLength: 10 })), {
      maxKeys: 4,
    }),
    gcd: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

type Mutation =
  | { kind: "none" }
  | { kind: "flip"; at: number }
  | { kind: "truncate"; at: number }
  | { kind: "append"; junk: string }
  | { kind: "replace"; with: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: "none" }),
  fc.nat().map<Mutation>((at) => ({ kind: "flip", at })),
  fc.nat().map<Mutation>((at) => ({ kind: "truncate", at })),
  fc.string({ maxLength: 40 }).map<Mutation>((junk) => ({ kind: "append", junk })),
  fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 4 })).map<Mutation>((w) => ({ kind: "replace", with: w })),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const enc = new TextEncoder();
  switch (m.kind) {
    case "none":
      return bytes;
    case "flip": {
      if (bytes.length === 0) return enc.encode("x");
      const out = bytes.slice();
      out[m.at % out.length]! ^= 0x01;
      return out;
    }
    case "truncate":
      return bytes.slice(0, m.at % Math.max(bytes.length, 1));
    case "append":
      return new Uint8Array([...bytes, ...enc.encode(m.junk || " ")]);
    case "replace":
      return enc.encode(m.with);
  }
}

/** A platform payload, valid or plausibly broken, as the source type sends it. */
const payload = fc.record({
  source: fc.constantFrom("shop", "shopify", "stripe", "woo", "roller"),
  value: fc.oneof(fc.double(), fc.constant("9".repeat(400)), fc.integer(), fc.constant(49)),
  ageMs: fc.oneof(fc.constant(60_000), fc.integer({ min: -400 * 86_400_000, max: 400 * 86_400_000 })),
  consent: fc.option(consentObject, { nil: undefined }),
  extra: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
});

function bodyFor(
  p: { source: string; value: unknown; ageMs: number; consent?: unknown; extra: Record<string, unknown> },
  n: number,
): string {
  const at = new Date(clock.now() - p.ageMs);
  const iso = Number.isFinite(at.getTime()) ? at.toISOString() : "2031-01-01T00:00:00Z";
  const consentJson = p.consent === undefined ? undefined : JSON.stringify(p.consent);
  switch (p.source) {
    case "shopify": {
      const order = fixtures.shopifyPaid();
      return JSON.stringify({
        ...order,
        ...p.extra,
        id: 9_000_000 + n,
        admin_graphql_api_id: `gid://shopify/Order/${9_000_000 + n}`,
        total_price: String(p.value),
        created_at: iso,
        processed_at: iso,
        note_attributes: consentJson ? [{ name: "_sluice_consent", value: consentJson }] : [],
      });
    }
    case "stripe": {
      const event = fixtures.stripeCompleted();
      event.id = `evt_fz_${n}`;
      event.created = Math.floor(at.getTime() / 1000);
      event.data.object = {
        ...event.data.object,
        id: `cs_fz_${n}`,
        amount_total: p.value,
        metadata: consentJson ? { sluice_consent: consentJson } : {},
      };
      return JSON.stringify({ ...event, ...p.extra });
    }
    case "woo": {
      const order = fixtures.wooProcessing();
      return JSON.stringify({
        ...order,
        ...p.extra,
        id: 70_000 + n,
        total: String(p.value),
        date_created_gmt: iso.slice(0, 19),
        date_paid_gmt: iso.slice(0, 19),
        meta_data: consentJson ? [{ key: "_sluice_consent", value: consentJson }] : [],
      });
    }
    case "roller": {
      const envelope = fixtures.rollerCreated();
      const booking = envelope.data.booking ?? envelope.data;
      booking.uniqueId = `fz-${n}`;
      booking.total = p.value;
      booking.createdDate = iso;
      return JSON.stringify({ ...envelope, ...p.extra });
    }
    default:
      return JSON.stringify({
        ...purchase(`fz-${n}`, { value: p.value, occurredAt: iso, ...(p.consent ? { consent: p.consent } : {}) }),
        ...p.extra,
      });
  }
}

async function signedHeaders(source: string, body: string): Promise<Record<string, string>> {
  const t = Math.floor(clock.now() / 1000);
  switch (source) {
    case "shopify":
      return sign.shopify(body);
    case "stripe":
      return sign.stripe(body, { timestamp: t });
    case "woo":
      return sign.woocommerce(body);
    case "roller":
      return sign.roller();
    default:
      return signStandard(body, { timestamp: t });
  }
}

// ---- setup -------------------------------------------------------------------------------------

beforeAll(async () => {
  for (const tenant of [T, T_ADMIN]) {
    await createTenant(tenant, { allowedOrigins: ["https://shop.example"] });
    for (const [sourceId, type, options] of [
      ["shopify", "shopify", {}],
      ["stripe", "stripe", { allowTestEvents: true }],
      ["woo", "woocommerce", {}],
      ["roller", "roller", { currency: "AUD" }],
    ] as const) {
      const put = await admin("PUT", `/tenants/${tenant}/sources/${sourceId}`, { type, secret: SECRETS[type], options });
      if (put.status >= 300) throw new Error(`source ${sourceId}: ${put.status} ${put.text}`);
    }
  }
});

// ---- properties --------------------------------------------------------------------------------

describe("fuzzing every route: never a 5xx, never a hang, nothing stored without a valid signature", () => {
  it("webhooks: random and mutated bodies, signatures, headers and ids", async () => {
    let n = 0;
    let accepted = 0;
    const before = await count(T, "events");
    await fc.assert(
      fc.asyncProperty(
        payload,
        mutation,
        fc.oneof(fc.constant("signed"), fc.constant("unsigned"), fc.constant("random"), fc.constant("other-body")),
        randomHeaders,
        fc.oneof(fc.constant(T), id),
        address,
        async (p, m, signing, noise, tenantId, ip) => {
          n += 1;
          const body = bodyFor(p, n);
          const bytes = mutate(new TextEncoder().encode(body), m);
          const signedFor = signing === "other-body" ? `${body} ` : body;
          const signature = signing === "signed" || signing === "other-body" ? await signedHeaders(p.source, signedFor) : {};
          const random =
            signing === "random"
              ? Object.fromEntries(Object.keys(await signedHeaders(p.source, body)).map((k) => [k, "v1,AAAA t=1,v1=00"]))
              : {};
          const headers = { ...noise, ...signature, ...random, "cf-connecting-ip": ip };
          const res = await answered(api(`/v1/hooks/${tenantId}/${p.source}`, { method: "POST", headers, body: bytes }));
          expect(res.status, res.text).toBeLessThan(500);
          // ROLLER's shared key signs no body, so only body-signing sources prove a tampered body is refused.
          const valid = tenantId === T && signing === "signed" && (m.kind === "none" || p.source === "roller");
          if (!valid && p.source !== "roller") expect(res.status, res.text).not.toBe(202);
          if (tenantId === T && res.status === 202) accepted += 1;
        },
      ),
      { seed: SEED, numRuns: RUNS.webhooks },
    );
    // The generators reach the success path too, not only refusals.
    expect(accepted).toBeGreaterThan(0);
    expect((await count(T, "events")) - before).toBe(accepted);
  }, 240_000);

  it("beacons: random bodies, join tokens, consent strings and origins", async () => {
    let stored = 0;
    const before = await count(T, "beacons");
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.constantFrom("valid", "none", "random", "other-key"),
        fc.option(consentObject, { nil: undefined }),
        fc.oneof(
          fc.constant("https://shop.example"),
          fc.webUrl().map((u) => new URL(u).origin),
        ),
        fc.oneof(fc.constant<unknown>(undefined), fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 300 })),
        fc.oneof(fc.constant(T), id),
        address,
        async (joinKey, token, consent, origin, junk, tenantId, ip) => {
          const joinToken =
            token === "valid" && tenantId === T
              ? await joinTokenFor(T, joinKey.trim())
              : token === "other-key"
                ? await joinTokenFor(T, `${joinKey}-other`)
                : token === "random"
                  ? "jt1.AAAA.BBBB"
                  : undefined;
          const body =
            junk !== undefined && typeof junk === "string"
              ? junk
              : JSON.stringify({
                  joinKey,
                  ...(joinToken ? { joinToken } : {}),
                  ...(consent ? { consent } : {}),
                  ...(junk !== undefined ? { junk } : {}),
                });
          const res = await answered(
            api(`/v1/collect/${encodeURIComponent(tenantId)}`, {
              method: "POST",
              headers: { origin, "content-type": "text/plain", "cf-connecting-ip": ip },
              body,
            }),
          );
          expect(res.status, res.text).toBeLessThan(500);
          const valid = token === "valid" && tenantId === T && typeof junk !== "string";
          if (!valid) expect(res.status, res.text).not.toBe(204);
          if (res.status === 204) stored += 1;
        },
      ),
      { seed: SEED, numRuns: RUNS.beacons },
    );
    // Beacons of one join key replace each other, so stored rows are at most the accepted ones.
    expect(stored).toBeGreaterThan(0);
    expect((await count(T, "beacons")) - before).toBeLessThanOrEqual(stored);
  }, 240_000);

  it("admin: random methods, paths, tokens and bodies", async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        "/tenants",
        `/tenants/${T_ADMIN}`,
        `/tenants/${T_ADMIN}/sources/x`,
        `/tenants/${T_ADMIN}/destinations/meta`,
        `/tenants/${T_ADMIN}/consent-policy`,
        `/tenants/${T_ADMIN}/events`,
        `/tenants/${T_ADMIN}/stats`,
        `/tenants/${T_ADMIN}/subjects`,
        `/tenants/${T_ADMIN}/dry-run`,
        `/tenants/${T_ADMIN}/audit`,
      ),
      id.map((x) => `/tenants/${encodeURIComponent(x)}`),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "PATCH"),
        paths,
        fc.oneof(
          fc.constant(ADMIN.authorization),
          fc.string({ maxLength: 80 }).map((t) => `Bearer ${t}`),
          fc.constant(""),
        ),
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 300 }),
          fc
            .record({
              type: fc.constantFrom("shopify", "stripe", "standard", "roller", "woocommerce", "meta"),
              secret: fc.string({ maxLength: 80 }),
              options: fc.object({ maxDepth: 3 }),
            })
            .map((v) => JSON.stringify(v)),
        ),
        address,
        async (method, path, authorization, body, ip) => {
          const headers: Record<string, string> = { "content-type": "application/json", "cf-connecting-ip": ip };
          if (authorization) headers.authorization = authorization;
          const res = await answered(api(`/v1/admin${path}`, { method, headers, ...(method === "GET" ? {} : { body }) }));
          expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(500);
        },
      ),
      { seed: SEED, numRuns: RUNS.admin },
    );
  }, 240_000);

  it("dry-run: arbitrary header names and values, bodies and source ids", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 }), { maxKeys: 4 }),
        fc.oneof(fc.string({ maxLength: 400 }), fc.object({ maxDepth: 3 })),
        fc.oneof(fc.constantFrom("shop", "shopify", "stripe", "woo", "roller"), fc.string({ maxLength: 70 })),
        async (headers, body, sourceId) => {
          const res = await answered(
            api(`/v1/admin/tenants/${T_ADMIN}/dry-run`, {
              method: "POST",
              headers: ADMIN,
              body: JSON.stringify({ sourceId, headers, body }),
            }),
          );
          expect(res.status, res.text).toBeLessThan(500);
        },
      ),
      { seed: SEED, numRuns: RUNS.dryRun },
    );
  }, 120_000);

  it("consent withdrawal: random identifiers and tokens", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(T_ADMIN), id),
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          fc
            .record({ email: fc.string(), phone: fc.string(), fbc: fc.string(), joinKey: fc.string() }, { requiredKeys: [] })
            .map((v) => JSON.stringify(v)),
        ),
        fc.boolean(),
        address,
        async (tenantId, body, operator, ip) => {
          const headers = { ...(operator ? ADMIN : { authorization: "Bearer sk_nobody_00" }), "cf-connecting-ip": ip };
          const res = await answered(api(`/v1/consent/${encodeURIComponent(tenantId)}/withdraw`, { method: "POST", headers, body }));
          expect(res.status, res.text).toBeLessThan(500);
        },
      ),
      { seed: SEED, numRuns: RUNS.consent },
    );
  }, 120_000);
});
