import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { tcString } from "../consent/fixtures";
import { googleVerdictAfter } from "./google-verdict";

useMsw();
useTestClock();

const tcf = (tcString: string) => ({ tcf: { tcString, gdprApplies: true } });
/** Unreadable, and too large to be stored beside an earlier beacon. */
const TOO_LARGE_UNREADABLE = tcf("C".repeat(4000));

/**
 * A beacon whose consent cannot be read makes the verdict ambiguous, which never grants. When that
 * beacon is too large to be stored with the join key's earlier ones (413 beacon_too_large), what it
 * made unreadable must still hold for the webhooks that come after it, as it holds for those
 * already waiting: the earlier grant does not go out on it.
 */
describe("an oversized beacon whose consent cannot be read", () => {
  it("a later webhook under the join key is not sent on the earlier beacon's grant", async () => {
    const granting = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    const { delivery, uploads, beaconStatuses } = await googleVerdictAfter("big-unreadable", "k-big", [
      tcf(granting),
      TOO_LARGE_UNREADABLE,
    ]);
    expect(beaconStatuses).toEqual([204, 413]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "consent_malformed" });
    expect(uploads).toHaveLength(0);
  });

  it("a later readable beacon that fits settles it", async () => {
    const first = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    const { delivery, uploads, beaconStatuses } = await googleVerdictAfter("big-settled", "k-settled", [
      tcf(first),
      TOO_LARGE_UNREADABLE,
      tcf(newer),
    ]);
    expect(beaconStatuses).toEqual([204, 413, 204]);
    expect(delivery).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(uploads).toHaveLength(1);
  });
});
