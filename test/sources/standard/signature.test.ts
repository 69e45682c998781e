import { describe, expect, it, vi } from "vitest";
import { SourceKey } from "../../../src/sources/shared/crypto";
import { MAX_SIGNATURE_CANDIDATES, signatureCandidates, verifyStandardSignature } from "../../../src/sources/standard/signature";
import { utf8 } from "../../../src/config/encoding";
import { TEST_WHSEC, signStandard } from "../../helpers/standard-webhooks";

const body = JSON.stringify({ orderId: "1" });
const now = Date.now();

async function verify(headers: Record<string, string>, raw = body, secret = TEST_WHSEC, at = now) {
  return verifyStandardSignature(new Headers(headers), utf8(raw), secret, at);
}

describe("Standard Webhooks signature", () => {
  it("accepts a correct signature, also among several", async () => {
    const headers = await signStandard(body);
    expect(await verify(headers)).toBe(true);
    expect(await verify({ ...headers, "webhook-signature": `v1,AAAA ${headers["webhook-signature"]}` })).toBe(true);
  });

  it("rejects a body changed by one byte, a wrong secret, a missing header", async () => {
    const headers = await signStandard(body);
    expect(await verify(headers, body.replace("1", "2"))).toBe(false);
    expect(await verify(headers, body, `whsec_${btoa("another-key")}`)).toBe(false);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const { [name]: _dropped, ...rest } = headers;
      expect(await verify(rest)).toBe(false);
    }
  });

  it("rejects timestamps outside 5 minutes either way", async () => {
    const old = await signStandard(body, { timestamp: Math.floor(now / 1000) - 301 });
    const future = await signStandard(body, { timestamp: Math.floor(now / 1000) + 301 });
    const edge = await signStandard(body, { timestamp: Math.floor(now / 1000) - 299 });
    expect(await verify(old)).toBe(false);
    expect(await verify(future)).toBe(false);
    expect(await verify(edge)).toBe(true);
  });

  it("rejects unknown versions and secrets not in whsec_ form", async () => {
    const headers = await signStandard(body);
    expect(await verify({ ...headers, "webhook-signature": headers["webhook-signature"]!.replace("v1,", "v1a,") })).toBe(false);
    expect(await verify(headers, body, "not-a-whsec")).toBe(false);
  });

  it("tries at most 8 right-length v1 candidates and skips every other entry unread", async () => {
    const headers = await signStandard(body);
    const good = headers["webhook-signature"]!;
    const wrong = `v1,${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;
    // Wrong lengths and other versions are not candidates: the good one after them still counts.
    const junk = Array.from({ length: 14_000 }, (_, i) => (i % 2 ? "v1,AAAA" : `v1a,${i}`)).join(" ");
    expect(signatureCandidates(`${junk} ${good}`)).toHaveLength(1);
    expect(await verify({ ...headers, "webhook-signature": `${junk} ${good}` })).toBe(true);
    // Eight right-length candidates are tried; a ninth is never reached.
    const eight = Array.from({ length: MAX_SIGNATURE_CANDIDATES }, () => wrong).join(" ");
    expect(signatureCandidates(`${eight} ${good}`)).toHaveLength(MAX_SIGNATURE_CANDIDATES);
    expect(await verify({ ...headers, "webhook-signature": `${eight} ${good}` })).toBe(false);
    expect(await verify({ ...headers, "webhook-signature": `${wrong} ${good}` })).toBe(true);
  });

  it("a held key is imported once for its secret and never answers for another secret", async () => {
    const held = new SourceKey();
    const rotated = `whsec_${btoa("the-next-signing-key-4567")}`;
    const imports = vi.spyOn(crypto.subtle, "importKey");
    try {
      const signedOld = await signStandard(body);
      const signedNew = await signStandard(body, { secret: rotated });
      imports.mockClear();
      const check = (headers: Record<string, string>, secret: string) =>
        verifyStandardSignature(new Headers(headers), utf8(body), secret, now, held);
      expect(await check(signedOld, TEST_WHSEC)).toBe(true);
      expect(await check(signedOld, TEST_WHSEC)).toBe(true);
      expect(imports).toHaveBeenCalledTimes(1);
      // The secret rotated: the key held for the old one is not used for it.
      expect(await check(signedOld, rotated)).toBe(false);
      expect(await check(signedNew, rotated)).toBe(true);
      expect(imports).toHaveBeenCalledTimes(2);
      // A secret that is no whsec_ key is refused and nothing is held for it.
      expect(await check(signedNew, "not-a-whsec")).toBe(false);
      expect(await check(signedNew, rotated)).toBe(true);
      expect(imports).toHaveBeenCalledTimes(2);
    } finally {
      imports.mockRestore();
    }
  });
});
