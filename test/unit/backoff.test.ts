import { describe, expect, it } from "vitest";
import { RETENTION_MS, RETRY_SCHEDULE_MS, nextAttemptAt, retryDelayMs } from "../../src/delivery/backoff";

describe("retry schedule", () => {
  it("follows 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, then 6 h, without jitter at the midpoint", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 12].map((n) => retryDelayMs(n, mid))).toEqual([
      10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 21_600_000, 21_600_000,
    ]);
  });

  it("jitters within ±20 %", () => {
    expect(retryDelayMs(1, () => 0)).toBe(8_000);
    expect(retryDelayMs(1, () => 1)).toBe(12_000);
    expect(retryDelayMs(6, () => 0)).toBe(RETRY_SCHEDULE_MS[5]! * 0.8);
  });

  it("treats Retry-After as a floor", () => {
    expect(retryDelayMs(1, () => 0, 120_000)).toBe(120_000);
    expect(retryDelayMs(3, () => 0.5, 1_000)).toBe(300_000);
  });

  it("aligns retries to 5 s slots, never earlier than scheduled, so they leave together", () => {
    const at = (now: number, r: number) => nextAttemptAt(now, now + RETENTION_MS, 1, () => r)!;
    expect(at(1_000_000, 0.5)).toBe(1_010_000);
    expect(at(1_000_001, 0.5)).toBe(1_015_000);
    expect(at(1_000_000, 0.3)).toBe(1_010_000); // 9.2 s rounds up to the 10 s slot
    expect(at(1_000_700, 0.4) % 5_000).toBe(0);
    expect(at(1_000_700, 0.4)).toBeGreaterThanOrEqual(1_000_700 + retryDelayMs(1, () => 0.4));
  });

  it("gives up when the next try would fall after the 24 h window", () => {
    const receivedAt = 1_000_000;
    const expiresAt = receivedAt + RETENTION_MS;
    expect(nextAttemptAt(receivedAt, expiresAt, 1, () => 0.5)).toBe(receivedAt + 10_000);
    expect(nextAttemptAt(expiresAt - 5_000, expiresAt, 1, () => 0.5)).toBeNull();
    expect(nextAttemptAt(expiresAt - 3_600_000, expiresAt, 6, () => 0.5)).toBeNull();
  });
});
