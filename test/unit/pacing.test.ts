import { describe, expect, it } from "vitest";
import { afterRequestSent, bucketAt, type PacingState, pacedUntil } from "../../src/delivery/pacing";

const PACING = { burst: 10, perMinute: 2 };

/** `n` requests sent one second apart from `start`, from a new lane. */
function sent(n: number, start = 0): PacingState | undefined {
  let state: PacingState | undefined;
  for (let i = 0; i < n; i++) state = afterRequestSent(PACING, state, start + i * 1_000);
  return state;
}

describe("request pacing (token bucket per lane)", () => {
  it("lets a new lane send its burst back to back, then makes the next request wait", () => {
    expect(pacedUntil(PACING, undefined, 0, 1, 2000)).toBeNull();
    const afterNine = sent(9);
    expect(pacedUntil(PACING, afterNine, 9_000, 1, 2000)).toBeNull();
    const afterTen = sent(10);
    // 9 s after the first request the lane has earned 0.3 of a token: 0.7 × 30 s = 21 s to wait.
    expect(afterTen!.tokens).toBeCloseTo(0.3, 5);
    const until = pacedUntil(PACING, afterTen, 9_000, 1, 2000)!;
    expect(until - 30_000).toBeGreaterThanOrEqual(0);
    expect(until - 30_000).toBeLessThanOrEqual(1);
  });

  it("refills at perMinute once the burst is spent, never above the burst", () => {
    const empty = { tokens: 0, at: 0 };
    expect(pacedUntil(PACING, empty, 0, 5, 2000)).toBe(30_000);
    expect(pacedUntil(PACING, empty, 29_999, 5, 2000)).toBe(30_000);
    expect(pacedUntil(PACING, empty, 30_000, 5, 2000)).toBeNull();
    expect(bucketAt(PACING, empty, 3_600_000).tokens).toBe(10);
  });

  it("sends a full batch whatever the bucket says, and leaves the bucket empty rather than in debt", () => {
    const empty = { tokens: 0, at: 0 };
    expect(pacedUntil(PACING, empty, 0, 2000, 2000)).toBeNull();
    const afterFull = afterRequestSent(PACING, empty, 0);
    expect(afterFull.tokens).toBe(0);
    expect(pacedUntil(PACING, afterFull, 0, 1, 2000)).toBe(30_000);
  });

  it("keeps a lane busy all day at perMinute requests a minute", () => {
    let state: PacingState | undefined;
    let requests = 0;
    // One due delivery every 100 ms for a day; the lane sends whenever the bucket lets it.
    for (let now = 0; now < 86_400_000; now += 100) {
      if (pacedUntil(PACING, state, now, 1, 2000) === null) {
        state = afterRequestSent(PACING, state, now);
        requests++;
      }
    }
    expect(requests).toBeLessThanOrEqual(PACING.burst + 2 * 24 * 60);
    expect(requests).toBeGreaterThanOrEqual(2 * 24 * 60);
  });
});
