import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, logThreshold } from "../src/platform/log";
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

  // The flow did log at the default level: the rejected webhook, the retried delivery, each
  // request sent and the purge. A stored webhook and a delivered event are debug lines.
  const messages = lines.map((l) => JSON.parse(l).msg);
  expect(messages).toEqual(expect.arrayContaining(["webhook_rejected", "delivery", "batch_sent", "purge"]));
  expect(messages).not.toContain("webhook_stored");

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

describe("log levels", () => {
  function capture(): string[] {
    const lines: string[] = [];
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    return lines;
  }

  it("writes debug lines only at LOG_LEVEL=debug, and warnings at every level but error", () => {
    const lines = capture();
    for (const setting of ["debug", "info", undefined, "nonsense", "warn", "error"]) {
      const logger = createLogger(() => logThreshold(setting));
      logger.debug("d", { tenantId: String(setting) });
      logger.info("i", { tenantId: String(setting) });
      logger.warn("w", { tenantId: String(setting) });
      logger.error("e", { tenantId: String(setting) });
    }
    const written = lines.map((l) => JSON.parse(l) as { msg: string; tenantId: string });
    const at = (setting: string) => written.filter((l) => l.tenantId === setting).map((l) => l.msg);
    expect(at("debug")).toEqual(["d", "i", "w", "e"]);
    expect(at("info")).toEqual(["i", "w", "e"]);
    expect(at("undefined")).toEqual(["i", "w", "e"]);
    expect(at("nonsense")).toEqual(["i", "w", "e"]);
    expect(at("warn")).toEqual(["w", "e"]);
    expect(at("error")).toEqual(["e"]);
  });

  it("keeps a debug line to the same field allowlist", () => {
    const lines = capture();
    createLogger(() => logThreshold("debug")).debug("webhook_stored", {
      tenantId: "t",
      eventId: "evt_1",
      email: "john.doe@example.com",
      em: "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f",
    });
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]!)).sort()).toEqual(["at", "eventId", "level", "msg", "tenantId"]);
  });
});
