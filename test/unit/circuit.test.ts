import { describe, expect, it } from "vitest";
import { CLOSED, OPEN_AFTER_FAILURES, afterRequest, batchLimit, isOpen, type CircuitState } from "../../src/delivery/circuit";

describe("circuit breaker", () => {
  it("stays closed below the threshold and opens on the fifth transient failure", () => {
    let state = CLOSED;
    for (let i = 1; i < OPEN_AFTER_FAILURES; i++) {
      state = afterRequest(state, true, 1_000);
      expect(isOpen(state, 1_000)).toBe(false);
      expect(batchLimit(state, 1000)).toBe(1000);
    }
    state = afterRequest(state, true, 1_000);
    expect(state).toEqual({ failures: 5, openUntil: 31_000 });
    expect(isOpen(state, 30_999)).toBe(true);
    expect(isOpen(state, 31_000)).toBe(false);
    expect(batchLimit(state, 1000)).toBe(1);
  });

  it("doubles the pause on each failed probe, up to 10 minutes, and closes on any answer", () => {
    let state: CircuitState = { failures: 5, openUntil: 0 };
    const pauses = [];
    for (let i = 0; i < 7; i++) {
      state = afterRequest(state, true, 0);
      pauses.push(state.openUntil);
    }
    expect(pauses).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
    expect(afterRequest(state, false, 0)).toEqual(CLOSED);
  });
});
