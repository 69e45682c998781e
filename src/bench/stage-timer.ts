/**
 * Timing by repetition for the benchmark's per-stage profile (`npm run bench`). Deployed, workerd
 * only advances its clock on I/O (a Spectre mitigation:
 * https://developers.cloudflare.com/workers/reference/security-model/#step-1-disallow-timers-and-multi-threading),
 * so a stage is run `n` times between two timer turns and the time divided by `n`. Under
 * `wrangler dev` the clock also moves during CPU work, which the stage marks inside one run rely on.
 */

/** Milliseconds per iteration, in total and per stage. */
export interface StageTimings {
  iterations: number;
  perIterationMs: number;
  stagesMs: Record<string, number>;
}

/** One timer turn: the clock is read again after it. */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Milliseconds per call of `fn`, over `n` calls. */
export async function timeRepeated(n: number, fn: (i: number) => unknown): Promise<number> {
  await tick();
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  await tick();
  return (performance.now() - start) / n;
}

/**
 * `n` runs of `run`, which calls `mark(stage)` at the end of each stage: the time since the
 * previous mark (or the run's start) is added to that stage.
 */
export async function timeStages(n: number, run: (i: number, mark: (stage: string) => void) => Promise<unknown>): Promise<StageTimings> {
  const totals: Record<string, number> = {};
  await tick();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    let last = performance.now();
    await run(i, (stage) => {
      const now = performance.now();
      totals[stage] = (totals[stage] ?? 0) + (now - last);
      last = now;
    });
  }
  await tick();
  const perIterationMs = (performance.now() - start) / n;
  return { iterations: n, perIterationMs, stagesMs: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / n])) };
}
