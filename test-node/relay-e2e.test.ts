import { createHash } from "node:crypto";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../sandbox/server.mjs";
import type { Sandbox } from "../sandbox/server.mjs";
import { createStandardTenant, relayClient, signedPurchase, waitFor } from "./client";
import { ADMIN_TOKEN, startRelay } from "./harness";

const SECRET = `whsec_${Buffer.from("sluice-e2e-signing-key-000").toString("base64")}`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

let sandbox: Sandbox;
let mf: Miniflare;

const { call, admin } = relayClient((path, init) => mf.dispatchFetch(`http://sluice.local${path}`, init), ADMIN_TOKEN);

beforeAll(async () => {
  sandbox = await startSandbox({ log: false });
  mf = await startRelay({ sandboxUrl: sandbox.url });
  await createStandardTenant(admin, { id: "e2e", name: "E2E Shop", region: "eu", defaultCountry: "GB" }, SECRET, {
    settings: { pixelId: "998877", testEventCode: "TEST777" },
    accessToken: "e2e-meta-token",
  });
});

afterAll(async () => {
  await mf?.dispose();
  await sandbox?.close();
});

function webhook(orderId: string, consent: unknown) {
  return signedPurchase(SECRET, {
    orderId,
    value: 12.5,
    currency: "GBP",
    customer: { email: "Jane@Example.co.uk", phone: "020 7946 0958", firstName: "Jane", country: "GB" },
    clickIds: { fbp: "fb.1.1767000000000.42" },
    client: { ip: "198.51.100.4", userAgent: "Mozilla/5.0 e2e", pageUrl: "https://shop.example/thanks" },
    consent,
  });
}

describe("the real Worker against the local Conversions API emulator", () => {
  it("delivers a signed webhook to the sandbox as a correct Conversions API request within seconds", async () => {
    const { body, headers } = webhook("e2e-1", { meta: "granted" });
    const res = await call("POST", "/v1/hooks/e2e/shop", body, headers);
    expect(res.status).toBe(202);

    // No test hook drives this: the Durable Object's own alarm sends it.
    const received = await waitFor(() => sandbox.requests({ api: "meta" }).find((r) => r.response.status === 200));
    expect(received.path).toBe("/meta/v25.0/998877/events");
    expect(received.headers.authorization).toBe("Bearer [redacted]");
    expect(received.testEventCode).toBe("TEST777");
    const sent = (received.body as any).data[0];
    expect(sent).toMatchObject({
      event_name: "Purchase",
      event_id: "e2e-1",
      action_source: "website",
      event_source_url: "https://shop.example/thanks",
      custom_data: { currency: "GBP", value: 12.5, order_id: "e2e-1" },
    });
    expect(sent.user_data).toEqual({
      em: [sha256("jane@example.co.uk")],
      ph: [sha256("442079460958")],
      fn: [sha256("jane")],
      country: [sha256("gb")],
      client_ip_address: "198.51.100.4",
      client_user_agent: "Mozilla/5.0 e2e",
      fbp: "fb.1.1767000000000.42",
    });

    const log = await waitFor(async () => {
      const event = await admin("GET", `/tenants/e2e/events/${res.json.id}`);
      return event.json.deliveries[0].status === "validated" ? event.json : undefined;
    });
    // The tenant sends with a Meta test event code: test traffic ends `validated`, not `delivered`.
    expect(log.deliveries[0]).toMatchObject({ destinationId: "meta", decision: "send", status: "validated", attempts: 1 });
  });

  it("answers a redelivery as a duplicate and never sends it twice", async () => {
    const { body, headers } = webhook("e2e-2", { meta: "granted" });
    const first = await call("POST", "/v1/hooks/e2e/shop", body, headers);
    const again = await call("POST", "/v1/hooks/e2e/shop", body, headers);
    expect(again).toEqual({ status: 200, json: { status: "duplicate", id: first.json.id } });
    await waitFor(() => sandbox.requests({ api: "meta" }).find((r) => (r.body as any)?.data?.[0]?.event_id === "e2e-2"));
    await new Promise((r) => setTimeout(r, 1_000));
    const sends = sandbox.requests({ api: "meta" }).filter((r) => (r.body as any)?.data?.some((e: any) => e.event_id === "e2e-2"));
    expect(sends).toHaveLength(1);
  });

  it("blocks a webhook without consent and sends nothing", async () => {
    const before = sandbox.requests({ api: "meta" }).length;
    const { body, headers } = webhook("e2e-4", undefined);
    const res = await call("POST", "/v1/hooks/e2e/shop", body, headers);
    const event = await admin("GET", `/tenants/e2e/events/${res.json.id}`);
    expect(event.json.deliveries[0]).toMatchObject({ decision: "blocked", reason: "consent_missing", status: "blocked" });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sandbox.requests({ api: "meta" }).length).toBe(before);
  });

  it("rejects a bad signature with 401", async () => {
    const { body, headers } = webhook("e2e-5", { meta: "granted" });
    const res = await call("POST", "/v1/hooks/e2e/shop", body.replace("12.5", "13.5"), headers);
    expect(res).toEqual({ status: 401, json: { error: { code: "invalid_signature", message: expect.any(String) } } });
  });
});
