import { http, HttpResponse } from "msw";
import { afterEach, expect, it, vi } from "vitest";
import { advance, useTestClock } from "./helpers/clock";
import { server, useMsw } from "./helpers/msw";
import { TEST_WHSEC } from "./helpers/standard-webhooks";
import { CUSTOMER, META_TOKEN, admin, createTenant, purchase, relayRows, runAlarm, sendWebhook } from "./helpers/relay";

useMsw();
useTestClock();
afterEach(() => vi.restoreAllMocks());

it("writes no identifier, hash or secret to any log line over a full flow", async () => {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  let metaCalls = 0;
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", () =>
      ++metaCalls === 1
        ? HttpResponse.json({ error: { code: 2, message: "transient", is_transient: true } }, { status: 500 })
        : HttpResponse.json({ events_received: 1, messages: [] }),
    ),
  );

  const { apiKey } = await createTenant("t-logs");
  const accepted = await sendWebhook("t-logs", purchase("order-log"));
  await sendWebhook("t-logs", purchase("order-log"));
  await sendWebhook("t-logs", purchase("order-log-2"), { secret: `whsec_${btoa("wrong-secret-here")}` });
  await sendWebhook("t-logs", "{not json");
  await runAlarm("t-logs");
  advance(20_000);
  await runAlarm("t-logs");
  await admin("GET", `/tenants/t-logs/events/${accepted.json.id}`);
  advance(25 * 3_600_000);
  await runAlarm("t-logs");
  expect(metaCalls).toBe(2);
  expect((await relayRows("t-logs")).events).toEqual([]);

  // The flow did log: one line per webhook outcome, delivery attempt and purge.
  const messages = lines.map((l) => JSON.parse(l).msg);
  expect(messages).toEqual(expect.arrayContaining(["webhook_stored", "webhook_rejected", "delivery", "purge"]));

  const forbidden = [
    ...Object.values(CUSTOMER).map((v) => v.trim()),
    "john.doe@example.com",
    "16505551212",
    "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f",
    "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
    "203.0.113.7",
    "Mozilla/5.0",
    "fb.1.1767225000000.AbCdEf",
    "fb.1.1767000000000.123456789",
    META_TOKEN,
    TEST_WHSEC,
    TEST_WHSEC.slice("whsec_".length),
    apiKey,
    "test-admin-token",
  ];
  const all = lines.join("\n");
  for (const value of forbidden) expect(all, `log contains ${value}`).not.toContain(value);
  // No 64-hex value (a hashed identifier) in any form.
  expect(all).not.toMatch(/[a-f0-9]{64}/i);
});
