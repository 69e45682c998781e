import { describe, expect, it } from "vitest";
import { isRevocation, revokedDestinations } from "../../src/consent/revocation";
import { normalizeConsent } from "../../src/consent/snapshot";
import type { ConsentInput } from "../../src/events/conversion";
import { ADS, META, deniedFlag, policy } from "./fixtures";

const snap = (input: ConsentInput | undefined, gpcHeader = false) => normalizeConsent(input, { userRegion: "auto", now: 0, gpcHeader });
const granted = snap({ gcm: { ad_user_data: "granted" }, meta: "granted" });

describe("isRevocation: a beacon that denies what an earlier one granted", () => {
  it("a later denial of a grant is a revocation, per destination", () => {
    const googleDenied = snap({ gcm: { ad_user_data: "denied" }, meta: "granted" });
    expect(isRevocation(granted, googleDenied, ADS, policy())).toBe(true);
    expect(isRevocation(granted, googleDenied, META, policy())).toBe(false);
    // Still a revocation when the tenant would send the denied flag: identifiers were allowed before.
    expect(isRevocation(granted, googleDenied, ADS, deniedFlag())).toBe(true);
    expect(isRevocation(granted, snap({ meta: "denied" }), META, policy())).toBe(true);
  });

  it("an opt-out (GPC header, GPP) or a contradiction revokes", () => {
    expect(isRevocation(granted, snap({ gcm: { ad_user_data: "granted" }, meta: "granted" }, true), META, policy())).toBe(true);
    expect(isRevocation(granted, snap({ gcm: { ad_user_data: "granted" }, gcd: "11m1m1m1m5" }), ADS, policy())).toBe(true);
  });

  it("a later beacon that merely lacks a signal, or is unreadable, is not a revocation", () => {
    expect(isRevocation(granted, snap(undefined), ADS, policy())).toBe(false);
    expect(isRevocation(granted, snap({ gcm: { ad_storage: "granted" } }), ADS, policy())).toBe(false);
    expect(isRevocation(granted, snap({ tcf: { tcString: "garbage" } }), META, policy())).toBe(false);
  });

  it("two page defaults are never a withdrawal; the user's update after a default is", () => {
    // Outside the EEA a tenant may count a default grant (decision table row 4), so it can send.
    const us = policy({ userRegion: "us", defaultsCountOutsideEea: true });
    const usSnap = (input: ConsentInput) => normalizeConsent(input, { userRegion: "us", now: 0 });
    const defaultGrant = usSnap({ gcmDefault: { ad_user_data: "granted" } });
    const defaultDenial = usSnap({ gcmDefault: { ad_user_data: "denied" } });
    expect(isRevocation(defaultGrant, defaultDenial, ADS, us)).toBe(false);
    expect(isRevocation(defaultGrant, usSnap({ gcd: "11p1p1p1p5" }), ADS, us)).toBe(false);
    // A default grant, then the user's own denial (gcd `u`: default granted, update denied).
    expect(isRevocation(defaultGrant, usSnap({ gcd: "11u1u1u1u5" }), ADS, us)).toBe(true);
    expect(isRevocation(defaultGrant, usSnap({ gcm: { ad_user_data: "denied" } }), ADS, us)).toBe(true);
  });

  it("nothing granted before means nothing to revoke", () => {
    const denied = snap({ gcm: { ad_user_data: "denied" }, meta: "denied" });
    expect(isRevocation(snap(undefined), denied, ADS, policy())).toBe(false);
    expect(isRevocation(denied, denied, META, policy())).toBe(false);
  });

  it("lists the revoked destinations", () => {
    const next = snap({ gcm: { ad_user_data: "granted" }, meta: "denied" });
    expect(revokedDestinations(granted, next, [ADS, META], policy())).toEqual([META]);
  });
});
