let override: (() => number) | undefined;
export const clock = { now: (): number => (override ? override() : Date.now()) };
export function setClockForTesting(fn: (() => number) | undefined): void {
  override = fn;
}
