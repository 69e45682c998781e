import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, parseApiKey, verifyApiKey } from "../../src/config/api-keys";
import { decryptSecret, DecryptError, encryptSecret, EncryptionKeyError, secretAad } from "../../src/config/crypto";
import { constantTimeEqual, toBase64 } from "../../src/config/encoding";

const KEY = env.ENCRYPTION_KEY;
const OTHER_KEY = toBase64(new Uint8Array(32).fill(7));

describe("encryptSecret / decryptSecret", () => {
  it("round-trips with the same key and AAD", async () => {
    const aad = secretAad("acme", "source", "shop");
    const value = await encryptSecret(KEY, "whsec_c2VjcmV0 ünïcode ✓", aad);
    expect(value).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(value).not.toContain("whsec_");
    expect(await decryptSecret(KEY, value, aad)).toBe("whsec_c2VjcmV0 ünïcode ✓");
  });

  it("uses a fresh IV each time", async () => {
    const aad = secretAad("acme", "source", "shop");
    const a = await encryptSecret(KEY, "same", aad);
    const b = await encryptSecret(KEY, "same", aad);
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
  });

  it("fails when the ciphertext is moved to another tenant, kind or id (AAD mismatch)", async () => {
    const value = await encryptSecret(KEY, "token", secretAad("acme", "destination", "meta-main"));
    await expect(decryptSecret(KEY, value, secretAad("other", "destination", "meta-main"))).rejects.toBeInstanceOf(DecryptError);
    await expect(decryptSecret(KEY, value, secretAad("acme", "source", "meta-main"))).rejects.toBeInstanceOf(DecryptError);
    await expect(decryptSecret(KEY, value, secretAad("acme", "destination", "meta-2"))).rejects.toBeInstanceOf(DecryptError);
  });

  it("fails under another key and on tampering or malformed values", async () => {
    const aad = secretAad("acme", "source", "shop");
    const value = await encryptSecret(KEY, "secret", aad);
    await expect(decryptSecret(OTHER_KEY, value, aad)).rejects.toBeInstanceOf(DecryptError);
    const [v, iv, ct] = value.split(".") as [string, string, string];
    const flipped = ct.slice(0, -2) + (ct.at(-2) === "A" ? "B" : "A") + ct.slice(-1);
    await expect(decryptSecret(KEY, `${v}.${iv}.${flipped}`, aad)).rejects.toBeInstanceOf(DecryptError);
    for (const bad of ["", "v1", `v2.${iv}.${ct}`, `v1.${iv}`, `v1.AAAA.${ct}`, `${value}.x`, "v1.!!.??"]) {
      await expect(decryptSecret(KEY, bad, aad)).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it("rejects an ENCRYPTION_KEY that is not base64 of 32 bytes, naming the problem", async () => {
    const short = toBase64(new Uint8Array(16));
    await expect(encryptSecret(short, "x", "a")).rejects.toThrow(EncryptionKeyError);
    await expect(encryptSecret(short, "x", "a")).rejects.toThrow(/exactly 32 bytes \(got 16 bytes\)/);
    await expect(encryptSecret("not base64!", "x", "a")).rejects.toThrow(/no valid base64/);
    await expect(encryptSecret("", "x", "a")).rejects.toThrow(EncryptionKeyError);
    await expect(decryptSecret(toBase64(new Uint8Array(33)), "v1.a.b", "a")).rejects.toThrow(EncryptionKeyError);
  });
});

describe("tenant API keys", () => {
  it("have the form sk_<tenantId>_<64 hex> and are stored as SHA-256 hex", async () => {
    const { apiKey, apiKeyHash } = await generateApiKey("acme-shop");
    expect(apiKey).toMatch(/^sk_acme-shop_[0-9a-f]{64}$/);
    expect(apiKeyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyHash).toBe(await hashApiKey(apiKey));
    expect(apiKeyHash).not.toContain(apiKey.slice(-64));
  });

  it("parseApiKey returns the claimed tenant id, or null for anything else", async () => {
    const { apiKey } = await generateApiKey("t-1");
    expect(parseApiKey(apiKey)).toBe("t-1");
    expect(parseApiKey(`sk_acme_${"a".repeat(63)}`)).toBeNull();
    expect(parseApiKey(`sk_Acme_${"a".repeat(64)}`)).toBeNull();
    expect(parseApiKey(`sk_a_b_${"a".repeat(64)}`)).toBeNull();
    expect(parseApiKey(`pk_acme_${"a".repeat(64)}`)).toBeNull();
    expect(parseApiKey("garbage")).toBeNull();
  });

  it("verifyApiKey accepts only the key whose hash is stored", async () => {
    const a = await generateApiKey("acme");
    const b = await generateApiKey("acme");
    expect(await verifyApiKey(a.apiKey, a.apiKeyHash)).toBe(true);
    expect(await verifyApiKey(b.apiKey, a.apiKeyHash)).toBe(false);
    expect(await verifyApiKey(a.apiKey, "short")).toBe(false);
  });

  it("constantTimeEqual compares strings of any length", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("abc", "abcd")).toBe(false);
    expect(await constantTimeEqual("", "")).toBe(true);
  });
});
