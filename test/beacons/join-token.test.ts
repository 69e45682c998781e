import { describe, expect, it, vi } from "vitest";
import { checkJoinToken, mintJoinToken } from "../../src/beacons/join-token";

// Computed independently with Node's crypto:
//   createHmac("sha256", "bk_test").update("acme.chk_1.1900000000").digest("base64url" | "hex")
const B64URL = "LRtGcirtr4XkTOSG3d-bNwegFiDU6bByzt-lJAcEi_8";
const HEX = "2d1b46722aedaf85e44ce486dddf9b3707a01620d4e9b072cedfa52407048bff";
const NOW_MS = 1_900_000_000_000 - 3_600_000;

describe("join tokens", () => {
  it("mints the documented format: v1.<exp>.<base64url HMAC-SHA256 of tenantId.joinKey.exp>", async () => {
    expect(await mintJoinToken("bk_test", "acme", "chk_1", 1_900_000_000)).toBe(`v1.1900000000.${B64URL}`);
  });

  it("accepts the MAC in base64url or lowercase hex (what Shopify Liquid's hmac_sha256 outputs)", async () => {
    expect(await checkJoinToken(`v1.1900000000.${B64URL}`, ["bk_test"], "acme", "chk_1", NOW_MS)).toEqual({ ok: true });
    expect(await checkJoinToken(`v1.1900000000.${HEX}`, ["bk_test"], "acme", "chk_1", NOW_MS)).toEqual({ ok: true });
    expect(await checkJoinToken(`v1.1900000000.${HEX.toUpperCase()}`, ["bk_test"], "acme", "chk_1", NOW_MS)).toMatchObject({ ok: false });
  });

  it("any of the live keys verifies; none configured verifies nothing", async () => {
    const token = `v1.1900000000.${B64URL}`;
    expect(await checkJoinToken(token, ["bk_new", "bk_test"], "acme", "chk_1", NOW_MS)).toEqual({ ok: true });
    expect(await checkJoinToken(token, [], "acme", "chk_1", NOW_MS)).toEqual({ ok: false, why: "mismatch" });
  });

  it("says why a token fails", async () => {
    const token = `v1.1900000000.${B64URL}`;
    const check = (t: string | undefined, now = NOW_MS, tenant = "acme", key = "chk_1") => checkJoinToken(t, ["bk_test"], tenant, key, now);
    expect(await check(undefined)).toEqual({ ok: false, why: "malformed" });
    expect(await check(`${token}.extra`)).toEqual({ ok: false, why: "malformed" });
    expect(await check(token, 1_900_000_000_000)).toEqual({ ok: false, why: "expired" });
    expect(await check(token, 1_900_000_000_000 - 25 * 3_600_000)).toEqual({ ok: false, why: "too_far_ahead" });
    expect(await check(token, NOW_MS, "acme2")).toEqual({ ok: false, why: "mismatch" });
    expect(await check(token, NOW_MS, "acme", "chk_2")).toEqual({ ok: false, why: "mismatch" });
  });

  it("a token that is not a string, or longer than any token can be, is malformed before any HMAC is computed", async () => {
    const verify = vi.spyOn(crypto.subtle, "verify");
    try {
      for (const t of [12345, null, {}, ["v1"], `v1.1900000000.${B64URL}${"A".repeat(100)}`, "v1.".repeat(100_000)]) {
        expect(await checkJoinToken(t, ["bk_test"], "acme", "chk_1", NOW_MS)).toEqual({ ok: false, why: "malformed" });
      }
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
  });
});
