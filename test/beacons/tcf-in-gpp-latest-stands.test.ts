import { GppModel } from "@iabgpp/cmpapi";
import { describe, expect, it } from "vitest";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { tcString } from "../consent/fixtures";
import { googleVerdictAfter } from "./google-verdict";

useMsw();
useTestClock();

/**
 * A page running the GPP API sends its TC string as GPP section 2 (TCF EU v2), which IAB says is
 * "expected to be exactly the same as the TC String produced when using the TCF specification"
 * (https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Sections/EEA/GPPExtension:%20IAB%20Europe%20TCF.md).
 * Across one join key's beacons, the string with the latest `LastUpdated` stands whichever field
 * carries it (TC string format, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20Consent%20string%20and%20vendor%20list%20formats%20v2.md),
 * not the GPP string that arrived last.
 */

/** A GPP string carrying `tc` as its TCF EU section, built with the GPP library's encoder; optionally a usnat section too. */
function gppWithTcf(tc: string, usnat?: Record<string, number>): string {
  const model = new GppModel();
  model.decodeSection("tcfeuv2", tc);
  for (const [field, value] of Object.entries(usnat ?? {})) model.setFieldValue("usnat", field, value);
  return model.encode();
}

const gppConsent = (tc: string, usnat?: Record<string, number>) => ({
  gpp: { gppString: gppWithTcf(tc, usnat), applicableSections: [2] },
});

const NEWER_NOT_DISCLOSED = tcString({ lastUpdated: "2026-03-10T00:00:00Z", disclosed: [1] });
const OLDER_GRANT = tcString({ lastUpdated: "2026-03-06T00:00:00Z" });
const NEWEST_GRANT = tcString({ lastUpdated: "2026-03-12T00:00:00Z" });

describe("TC strings inside GPP across beacons: the latest LastUpdated stands", () => {
  it("a newer GPP whose TC string does not disclose vendor 755, then an older granting GPP: nothing goes to Google", async () => {
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-latest", "k-gpp-latest", [
      gppConsent(NEWER_NOT_DISCLOSED),
      gppConsent(OLDER_GRANT),
    ]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_vendor_755_not_disclosed" });
    expect(uploads).toHaveLength(0);
  });

  it("a newer TC string in GPP, then an older granting one in the tcf field: nothing goes to Google", async () => {
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-mixed", "k-gpp-mixed", [
      gppConsent(NEWER_NOT_DISCLOSED),
      { tcf: { tcString: OLDER_GRANT, gdprApplies: true } },
    ]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_vendor_755_not_disclosed" });
    expect(uploads).toHaveLength(0);
  });

  it("a newer TC string in the tcf field, then an older granting one in GPP: nothing goes to Google", async () => {
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-mixed2", "k-gpp-mixed2", [
      { tcf: { tcString: NEWER_NOT_DISCLOSED, gdprApplies: true } },
      gppConsent(OLDER_GRANT),
    ]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_vendor_755_not_disclosed" });
    expect(uploads).toHaveLength(0);
  });

  it("a GPP with a readable TC string, one whose TC section cannot be read, then an older granting GPP: tcf_invalid", async () => {
    const unreadable = {
      gpp: { gppString: `${gppWithTcf(NEWER_NOT_DISCLOSED).split("~")[0]}~${NEWER_NOT_DISCLOSED.slice(0, 20)}`, applicableSections: [2] },
    };
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-stale", "k-gpp-stale", [
      gppConsent(NEWER_NOT_DISCLOSED),
      unreadable,
      gppConsent(OLDER_GRANT),
    ]);
    expect(delivery).toMatchObject({ decision: "blocked", reason: "tcf_invalid" });
    expect(uploads).toHaveLength(0);
  });

  it("a newer TC string under which GDPR does not apply, then an older granting GPP: nothing goes to Google", async () => {
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-gdpr", "k-gpp-gdpr", [
      { tcf: { tcString: NEWER_NOT_DISCLOSED, gdprApplies: false } },
      gppConsent(OLDER_GRANT),
    ]);
    expect(delivery).not.toMatchObject({ decision: "send" });
    expect(uploads).toHaveLength(0);
  });

  it("a newer granting GPP after an older one that did not disclose vendor 755 stands", async () => {
    const older = tcString({ lastUpdated: "2026-03-06T00:00:00Z", disclosed: [1] });
    const { delivery, uploads } = await googleVerdictAfter("gpp-tcf-newer", "k-gpp-newer", [gppConsent(older), gppConsent(NEWEST_GRANT)]);
    expect(delivery).toMatchObject({ decision: "send", reason: "tcf_granted" });
    expect(uploads).toHaveLength(1);
  });
});
