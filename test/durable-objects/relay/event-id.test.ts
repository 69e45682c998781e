import { describe, expect, it } from "vitest";
import { newEventId } from "../../../durable-objects/relay/event-id";

describe("newEventId", () => {
  it("is evt_ and a version-7 UUID's 32 hex digits, its first 48 bits the time in milliseconds", () => {
    const id = newEventId(Date.UTC(2026, 11, 4, 16, 0, 0), new Uint8Array(10).fill(0xff));
    expect(id).toMatch(/^evt_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(Number.parseInt(id.slice(4, 16), 16)).toBe(Date.UTC(2026, 11, 4, 16, 0, 0));
    expect(id.slice(20, 21)).toBe("b");
  });

  it("sorts by receipt time, so stored events append to the indexes keyed by event id", () => {
    const ids = [0, 1, 999, 1_000_000, Date.UTC(2026, 0, 1), Date.UTC(2030, 0, 1)].map((t) => newEventId(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it("differs between events received in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newEventId(1_767_225_600_000)));
    expect(ids.size).toBe(1000);
  });
});
