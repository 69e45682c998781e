import { afterEach, beforeEach } from "vitest";
import { clock, setClockForTesting } from "../../src/platform/clock";

/**
 * A settable clock for relay tests. It starts years ahead of the wall clock, so the alarms
 * TenantRelay sets (in clock time) never fire on their own during a test: every alarm runs only
 * when the test calls runDurableObjectAlarm, and nothing waits on real backoff.
 */
export const T0 = Date.parse("2031-03-03T12:00:00.000Z");
let current = T0;

export function useTestClock(): void {
  beforeEach(() => {
    current = T0;
    setClockForTesting(() => current);
  });
  afterEach(() => setClockForTesting(undefined));
}

export function advance(ms: number): void {
  current += ms;
}

export function now(): number {
  return clock.now();
}
