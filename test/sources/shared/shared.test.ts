import { describe, expect, it } from "vitest";
import { clickIdsFromFields, clickIdsFromUrl, mergeClickIds } from "../../../src/sources/shared/click-ids";
import { consentFromField } from "../../../src/sources/shared/consent";
import { fromHex, SourceKey, verifyBase64BodyHmac } from "../../../src/sources/shared/crypto";
import { verifyStripeSignature } from "../../../src/sources/stripe/signature";
import { clock } from "../../../src/platform/clock";
import { compact, httpUrl, isoTime, splitName, text } from "../../../src/sources/shared/fields";
import { fromMinorUnits, minorUnitExponent } from "../../../src/sources/shared/money";
import { utf8 } from "../../../src/config/encoding";
import { SECRETS, sign } from "../helpers";

describe("minor units (Stripe's exponents)", () => {
  it.each([
    [1999, "usd", 19.99],
    [1999, "EUR", 19.99],
    [495000, "jpy", 495000],
    [10000, "KRW", 10000],
    [2500, "clp", 2500],
    [7000, "xof", 7000],
    [12340, "kwd", 12.34],
    [1005, "BHD", 1.005],
    [50000, "isk", 500], // ISO zero-decimal, but two-decimal in Stripe's API
    [150000, "huf", 1500],
    [1, "usd", 0.01],
    [0, "usd", 0],
  ])("%i %s → %d", (amount, currency, value) => {
    expect(fromMinorUnits(amount, currency)).toBe(value);
  });

  it("knows the exponent classes", () => {
    expect([minorUnitExponent("jpy"), minorUnitExponent("ugx"), minorUnitExponent("tnd"), minorUnitExponent("gbp")]).toEqual([0, 0, 3, 2]);
  });
});

describe("click ids", () => {
  it("reads gclid, gbraid, wbraid and fbclid from a landing path or URL, byte for byte", () => {
    expect(clickIdsFromUrl("/products/x?utm_source=fb&fbclid=IwAR0AbC_dEf&gclid=Cj0K")).toEqual({ fbclid: "IwAR0AbC_dEf", gclid: "Cj0K" });
    expect(clickIdsFromUrl("https://shop.example/?wbraid=WB1&gbraid=GB1&utm_medium=cpc")).toEqual({ wbraid: "WB1", gbraid: "GB1" });
    expect(clickIdsFromUrl("/no-query")).toEqual({});
    expect(clickIdsFromUrl(undefined)).toEqual({});
    expect(clickIdsFromUrl("/?gclid=")).toEqual({});
  });

  it("reads cookie and plain names from key/value fields, the first alias present winning", () => {
    const fields: Record<string, unknown> = { _fbc: "fb.1.1.AbC", fbp: "fb.1.2.345", _gclid: "G-1", gclid: "G-0", wbraid: 7 };
    expect(clickIdsFromFields((n) => fields[n])).toEqual({ fbc: "fb.1.1.AbC", fbp: "fb.1.2.345", gclid: "G-0" });
  });

  it("merges with the earlier source winning per id", () => {
    expect(mergeClickIds({ gclid: "a" }, { gclid: "b", fbclid: "c" }, {})).toEqual({ gclid: "a", fbclid: "c" });
  });
});

describe("field helpers", () => {
  it("text trims, drops blanks and non-strings, keeps numbers as strings", () => {
    expect([text("  a "), text(""), text("   "), text(null), text(42), text({})]).toEqual([
      "a",
      undefined,
      undefined,
      undefined,
      "42",
      undefined,
    ]);
  });

  it("isoTime reads offsets and treats an offset-less time as UTC", () => {
    expect(isoTime("2026-11-22T10:14:03-05:00")).toBe(Date.UTC(2026, 10, 22, 15, 14, 3));
    expect(isoTime("2026-11-22T10:20:41")).toBe(Date.UTC(2026, 10, 22, 10, 20, 41));
    expect(isoTime("2026-11-22 10:20:41")).toBe(Date.UTC(2026, 10, 22, 10, 20, 41));
    expect(isoTime("yesterday")).toBeUndefined();
  });

  it("httpUrl accepts only absolute http(s) URLs", () => {
    expect(httpUrl("https://shop.example/a?b=1")).toBe("https://shop.example/a?b=1");
    expect(httpUrl("/relative")).toBeUndefined();
    expect(httpUrl("javascript:alert(1)")).toBeUndefined();
  });

  it("splitName and compact", () => {
    expect(splitName("Mary Ann O'Brien")).toEqual({ firstName: "Mary", lastName: "Ann O'Brien" });
    expect(splitName("Cher")).toEqual({ firstName: "Cher" });
    expect(compact({ a: 1, b: undefined })).toEqual({ a: 1 });
  });
});

describe("consent from a platform field", () => {
  it("reads Sluice's consent object from JSON text or an object, leniently", () => {
    expect(consentFromField('{"meta":"granted","gcm":{"ad_user_data":"denied"}}')).toEqual({
      meta: "granted",
      gcm: { ad_user_data: "denied" },
    });
    expect(consentFromField({ categories: { marketing: true } })).toEqual({ categories: { marketing: true } });
    // Present but unreadable is recorded as malformed (it blocks), never dropped as absent.
    expect(consentFromField("{not json")).toEqual({ malformed: ["consent"] });
    expect(consentFromField('{"meta":"yes"}')).toEqual({ malformed: ["meta"] });
    expect(consentFromField("")).toBeUndefined();
    expect(consentFromField(undefined)).toBeUndefined();
  });
});

describe("HMAC helpers", () => {
  it("verifies base64 body HMACs and rejects other bodies, keys and shapes", async () => {
    const body = '{"id":1}';
    const { "x-wc-webhook-signature": mac } = await sign.woocommerce(body, { secret: "k" });
    expect(await verifyBase64BodyHmac("k", utf8(body), mac)).toBe(true);
    expect(await verifyBase64BodyHmac("k", utf8('{"id":2}'), mac)).toBe(false);
    expect(await verifyBase64BodyHmac("other", utf8(body), mac)).toBe(false);
    expect(await verifyBase64BodyHmac("k", utf8(body), null)).toBe(false);
    expect(await verifyBase64BodyHmac("k", utf8(body), "not base64!")).toBe(false);
    expect(await verifyBase64BodyHmac("k", utf8(body), btoa("short"))).toBe(false);
    expect(await verifyBase64BodyHmac("", utf8(body), mac)).toBe(false);
  });

  it("decodes hex", () => {
    expect(Array.from(fromHex("00ff10") ?? [])).toEqual([0, 255, 16]);
    expect(fromHex("abc")).toBeNull();
    expect(fromHex("zz")).toBeNull();
  });
});

describe("held verify keys (SourceKey) for Stripe and Shopify", () => {
  it("verify with the key held for the same secret, and never with it for another", async () => {
    const body = JSON.stringify({ id: "evt_1" });
    const rotated = "whsec_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
    const stripeHeld = new SourceKey();
    const stripeSigned = new Headers(await sign.stripe(body));
    expect(await verifyStripeSignature(stripeSigned, utf8(body), SECRETS.stripe, clock.now(), stripeHeld)).toBe(true);
    expect(await verifyStripeSignature(stripeSigned, utf8(body), rotated, clock.now(), stripeHeld)).toBe(false);
    expect(
      await verifyStripeSignature(new Headers(await sign.stripe(body, { secret: rotated })), utf8(body), rotated, clock.now(), stripeHeld),
    ).toBe(true);

    const shopifyHeld = new SourceKey();
    const shopifySigned = (await sign.shopify(body))["x-shopify-hmac-sha256"];
    expect(await verifyBase64BodyHmac(SECRETS.shopify, utf8(body), shopifySigned, shopifyHeld)).toBe(true);
    expect(await verifyBase64BodyHmac("shpss_another", utf8(body), shopifySigned, shopifyHeld)).toBe(false);
    expect(await verifyBase64BodyHmac(SECRETS.shopify, utf8(body), shopifySigned, shopifyHeld)).toBe(true);
  });
});
