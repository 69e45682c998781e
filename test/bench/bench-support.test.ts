import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { StorageMeter } from "../../durable-objects/relay/meter";
import { timeStages } from "../../src/bench/stage-timer";
import { ADMIN, api } from "../helpers/relay";

describe("benchmark support (npm run bench)", () => {
  it("the bench routes do not exist unless BENCH_PROFILE is 1", async () => {
    const profile = await api("/v1/bench/profile", { method: "POST", headers: ADMIN, body: JSON.stringify({}) });
    expect(profile.status).toBe(404);
    const storage = await api("/v1/bench/storage/anyone", { headers: ADMIN });
    expect(storage.status).toBe(404);
  });

  it("the storage meter counts statements and the rows they read and wrote", async () => {
    const stub = env.TENANT_RELAY.getByName("bench-meter");
    const counts = await runInDurableObject(stub, (_instance, state) => {
      const meter = new StorageMeter();
      const storage = meter.storage(state.storage);
      storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_probe (id TEXT PRIMARY KEY)");
      storage.sql.exec("INSERT INTO meter_probe (id) VALUES (?), (?)", "a", "b");
      expect(storage.sql.exec("SELECT id FROM meter_probe ORDER BY id").toArray()).toEqual([{ id: "a" }, { id: "b" }]);
      storage.kv.put("probe", 1);
      storage.kv.get("probe");
      return meter.read(true);
    });
    expect(counts.statements).toBe(3);
    expect(counts.rowsWritten).toBeGreaterThanOrEqual(2);
    expect(counts.rowsRead).toBeGreaterThanOrEqual(2);
    expect(counts.kvWrites).toBe(1);
    expect(counts.kvReads).toBe(1);
  });

  it("stage timings cover every marked stage and every iteration", async () => {
    let runs = 0;
    const timings = await timeStages(5, async (_i, mark) => {
      runs++;
      mark("first");
      mark("second");
    });
    expect(runs).toBe(5);
    expect(timings.iterations).toBe(5);
    expect(Object.keys(timings.stagesMs)).toEqual(["first", "second"]);
    expect(timings.perIterationMs).toBeGreaterThanOrEqual(0);
  });
});
