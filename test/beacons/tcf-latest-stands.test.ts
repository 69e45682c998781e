import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { tcString } from "../consent/fixtures";
import { googleVerdictAfter } from "./google-verdict";

useMsw();
useTestClock();

const tcf = (tcString: string) => ({ tcf: { tcString, gdprApplies: true } });
const UNREADABLE = "not-a-tc-string";

/**
 * Beacons of one join key may arrive out of the order their TC strings were made (a second tab, a
 * cached string). The string with the latest `LastUpdated` is the user's current choice (TC string
 * format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md),
 * not the one that came last.
 */
describe("TC strings across beacons: the latest LastUpdated stands", () => {
  it("an older granting string arriving after a newer one that does not disclose vendor 755 sends nothing to Google", async () => {
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] });
    const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    const { delivery, uploads } = await googleVerdictAfter("tcf-latest", "k-tcf", [tcf(newer), tcf(older)]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_vendor_755_not_disclosed" });
    expect(uploads).toHaveLength(0);
  });

  it("a newer string arriving later replaces the older one", async () => {
    const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z", disclosed: [1] });
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    const { delivery, uploads } = await googleVerdictAfter("tcf-newer", "k-new", [tcf(older), tcf(newer)]);
    expect(delivery).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(uploads).toHaveLength(1);
  });
});

describe("TC strings across beacons: an unreadable later string is not dropped", () => {
  it("a granting string, then an unreadable one (the CMP's current state unknown), sends nothing to Google", async () => {
    const granting = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    const { delivery, uploads } = await googleVerdictAfter("tcf-garbled", "k-garbled", [tcf(granting), tcf(UNREADABLE)]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
    expect(uploads).toHaveLength(0);
  });
});

describe("TC strings across beacons: a stale string does not stand in for an unreadable one", () => {
  it("a newer string, an unreadable one, then a string older than the first: the stale grant is not sent to Google", async () => {
    const newer = tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] });
    const staleGrant = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
    const { delivery, uploads } = await googleVerdictAfter("tcf-stale", "k-stale", [tcf(newer), tcf(UNREADABLE), tcf(staleGrant)]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
    expect(uploads).toHaveLength(0);
  });

  it("after an unreadable string, one newer than every string seen stands", async () => {
    const first = tcString({ lastUpdated: "2026-03-06T00:00:00Z", disclosed: [1] });
    const newest = tcString({ lastUpdated: "2026-03-10T00:00:00Z" });
    const { delivery, uploads } = await googleVerdictAfter("tcf-recovered", "k-recovered", [tcf(first), tcf(UNREADABLE), tcf(newest)]);
    expect(delivery).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(uploads).toHaveLength(1);
  });
});
