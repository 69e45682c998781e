import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, parseApiKey, verifyApiKey } from "../../src/config/api-keys";
import {
  decryptSecret,
  DecryptError,
  decryptWithEnv,
  encryptionKeyId,
  encryptSecret,
  EncryptionKeyError,
  keyIdOf,
  secretAad,
} from "../../src/config/crypto";
import { reencryptTenant } from "../../src/config/reencrypt";
import type { TenantConfig } from "../../src/config/types";
import { constantTimeEqual, toBase64 } from "../../src/config/encoding";

const KEY = env.ENCRYPTION_KEY;
const OTHER_KEY = toBase64(new Uint8Array(32).fill(7));

describe("encryptSecret / decryptSecret", () => {
  it("round-trips with the same key and AAD", async () => {
    const aad = secretAad("acme", "source", "shop");
    const value = await encryptSecret(KEY, "whsec_c2VjcmV0 ünïcode ✓", aad);
    expect(value).toMatch(/^v2\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(value).not.toContain("whsec_");
    expect(await decryptSecret(KEY, value, aad)).toBe("whsec_c2VjcmV0 ünïcode ✓");
  });

  it("uses a fresh IV each time", async () => {
    const aad = secretAad("acme", "source", "shop");
    const a = await encryptSecret(KEY, "same", aad);
    const b = await encryptSecret(KEY, "same", aad);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
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
    const [v, kid, iv, ct] = value.split(".") as [string, string, string, string];
    const flipped = ct.slice(0, -2) + (ct.at(-2) === "A" ? "B" : "A") + ct.slice(-1);
    await expect(decryptSecret(KEY, `${v}.${kid}.${iv}.${flipped}`, aad)).rejects.toBeInstanceOf(DecryptError);
    for (const bad of [
      "",
      "v1",
      `v2.${iv}.${ct}`,
      `v3.${kid}.${iv}.${ct}`,
      `v2.XYZ.${iv}.${ct}`,
      `v1.${iv}`,
      `v1.AAAA.${ct}`,
      `${value}.x`,
      "v1.!!.??",
    ]) {
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

/** A value as the relay wrote it before key ids: `v1.<iv>.<ciphertext>`. */
async function legacyV1(keyB64: string, plaintext: string, aad: string): Promise<string> {
  const raw = Uint8Array.from(atob(keyB64), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
      key,
      new TextEncoder().encode(plaintext),
    ),
  );
  const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `v1.${b64url(iv)}.${b64url(ct)}`;
}

describe("ENCRYPTION_KEY rotation", () => {
  const NEW = KEY;
  const OLD = toBase64(new Uint8Array(32).fill(0x33));
  const aad = secretAad("acme", "source", "shop");

  it("names the key in each value; new values use the new key", async () => {
    const underNew = await encryptSecret(NEW, "s", aad);
    const underOld = await encryptSecret(OLD, "s", aad);
    expect(keyIdOf(underNew)).toBe(await encryptionKeyId(NEW));
    expect(keyIdOf(underOld)).toBe(await encryptionKeyId(OLD));
    expect(keyIdOf(underNew)).not.toBe(keyIdOf(underOld));
    expect(keyIdOf(await legacyV1(NEW, "s", aad))).toBeNull();
  });

  it("opens values under the previous key only while it is configured", async () => {
    const underOld = await encryptSecret(OLD, "old secret", aad);
    expect(await decryptSecret(NEW, underOld, aad, OLD)).toBe("old secret");
    await expect(decryptSecret(NEW, underOld, aad)).rejects.toBeInstanceOf(DecryptError);
    expect(await decryptWithEnv({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD }, underOld, aad)).toBe("old secret");
    await expect(decryptWithEnv({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: "" }, underOld, aad)).rejects.toBeInstanceOf(DecryptError);
  });

  it("keeps opening legacy v1 values (no key id) under either key", async () => {
    expect(await decryptSecret(NEW, await legacyV1(NEW, "legacy new", aad), aad, OLD)).toBe("legacy new");
    expect(await decryptSecret(NEW, await legacyV1(OLD, "legacy old", aad), aad, OLD)).toBe("legacy old");
    expect(await decryptSecret(NEW, await legacyV1(NEW, "no rotation", aad), aad)).toBe("no rotation");
    await expect(decryptSecret(NEW, await legacyV1(OLD, "x", aad), aad)).rejects.toBeInstanceOf(DecryptError);
  });

  it("refuses a value naming a key it does not hold, and a misconfigured previous key by name", async () => {
    const stray = await encryptSecret(OTHER_KEY, "x", aad);
    await expect(decryptSecret(NEW, stray, aad, OLD)).rejects.toBeInstanceOf(DecryptError);
    await expect(decryptSecret(NEW, stray, aad, "short")).rejects.toThrow(/ENCRYPTION_KEY_PREVIOUS must be base64 of exactly 32 bytes/);
  });

  it("reencryptTenant rewrites every secret under the new key, once, and names what it cannot open", async () => {
    const tenant = {
      id: "acme",
      sources: {
        shop: { id: "shop", secret: await encryptSecret(OLD, "whsec", secretAad("acme", "source", "shop")) },
        venue: {
          id: "venue",
          secret: await legacyV1(OLD, "roller-key", secretAad("acme", "source", "venue")),
          credentials: await encryptSecret(OLD, '{"clientId":"c","clientSecret":"s"}', secretAad("acme", "source-credentials", "venue")),
        },
        lost: { id: "lost", secret: await encryptSecret(OTHER_KEY, "gone", secretAad("acme", "source", "lost")) },
      },
      destinations: {
        meta: { id: "meta", credentials: await encryptSecret(NEW, '{"accessToken":"t"}', secretAad("acme", "destination", "meta")) },
        off: { id: "off", credentials: null },
      },
      beaconKeys: [
        { id: "b1", key: await encryptSecret(OLD, "bk_1", secretAad("acme", "beacon-key", "b1")), createdAt: "2026-01-01T00:00:00Z" },
      ],
    } as unknown as TenantConfig;
    const keys = { current: NEW, previous: OLD };
    const first = await reencryptTenant(keys, tenant);
    expect(first.rewritten).toEqual({ sourceSecrets: 2, sourceCredentials: 1, destinationCredentials: 0, beaconKeys: 1 });
    expect(first.alreadyCurrent).toEqual({ sourceSecrets: 0, sourceCredentials: 0, destinationCredentials: 1, beaconKeys: 0 });
    expect(first.unreadable).toEqual(["sources.lost.secret"]);
    const newId = await encryptionKeyId(NEW);
    expect(keyIdOf(first.next.sources.venue!.secret)).toBe(newId);
    expect(first.next.sources.lost!.secret).toBe(tenant.sources.lost!.secret);
    // Readable with the new key alone, at the same place.
    expect(await decryptSecret(NEW, first.next.sources.venue!.credentials!, secretAad("acme", "source-credentials", "venue"))).toContain(
      "clientSecret",
    );
    expect(await decryptSecret(NEW, first.next.beaconKeys![0]!.key, secretAad("acme", "beacon-key", "b1"))).toBe("bk_1");
    const second = await reencryptTenant(keys, first.next);
    expect(second.rewritten).toEqual({ sourceSecrets: 0, sourceCredentials: 0, destinationCredentials: 0, beaconKeys: 0 });
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
