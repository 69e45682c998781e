import type { ClickIds } from "../events/conversion";
import { customerRegion } from "./country";
import { digestOnce, type HashMemo, hashField } from "./hash";
import { normalizeForGoogle } from "./google";
import { normalizeForMeta } from "./meta";

/** What identifies a data subject for withdrawal and erasure (README, "Browser beacon and withdrawal"). */
export interface SubjectIdentifiers {
  email?: string;
  phone?: string;
  /** The person's own country: it reads a phone given without a country code (before the tenant's default). */
  country?: string;
  externalId?: string;
  clickIds?: ClickIds;
  orderId?: string;
  joinKey?: string;
}

/**
 * Hashed, kind-prefixed keys ("em:<sha256>", "order:<sha256>", …). A webhook and a withdrawal
 * naming the same person produce the same keys, because both go through the same normalizations
 * (Meta's rules, and Google's for an e-mail address), independent of which destinations the
 * tenant has. A phone is read in the
 * region Meta's user data reads it in (the person's country, else the tenant's default), so the
 * key is the number the destinations were given: read in the default alone, a US customer's
 * local number at a German shop was keyed as a German number and a withdrawal naming the real
 * one missed it.
 */
export async function subjectKeys(ids: SubjectIdentifiers, defaultCountry?: string, memo?: HashMemo): Promise<string[]> {
  const region = customerRegion(ids.country, defaultCountry);
  const keys: Array<Promise<string | undefined>> = [
    prefixed("em", hashField(ids.email, normalizeForMeta.em, memo)),
    // Google reads an address its own way (whitespace removed; Gmail without dots and `+tag`), so
    // that reading is a key too: a person naming the address Google matched them by is found.
    // The same string as Meta's for most addresses: the memo hashes it once.
    prefixed("em", hashField(ids.email, normalizeForGoogle.email, memo)),
    prefixed(
      "ph",
      hashField(ids.phone, (raw) => normalizeForMeta.ph(raw, region, memo?.phones), memo),
    ),
    prefixed("xid", hashField(ids.externalId, normalizeForMeta.external_id, memo)),
    prefixed("order", hashOpaque(ids.orderId, memo)),
    prefixed("join", hashOpaque(ids.joinKey, memo)),
    ...Object.entries(ids.clickIds ?? {}).map(([name, value]) => clickSubjectKey(name, value, memo)),
  ];
  return [...new Set((await Promise.all(keys)).filter((k): k is string => k !== undefined))];
}

/**
 * A click id's subject key ("gclid:<sha256>", "ttp:<sha256>", …). Meta's `fbc` is
 * `fb.<subdomain index>.<creation time>.<fbclid>`
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/),
 * and the click it names is its fbclid: it is keyed by that, so the fbc Meta was sent (built from
 * an fbclid with the time the click was first seen), the browser's own `_fbc` cookie and the bare
 * fbclid all name the same click.
 */
export function clickSubjectKey(name: string, value: string | undefined, memo?: HashMemo): Promise<string | undefined> {
  const fbclid = name === "fbc" ? fbclidOf(value) : undefined;
  return fbclid !== undefined ? prefixed("fbclid", hashOpaque(fbclid, memo)) : prefixed(name, hashOpaque(value, memo));
}

function fbclidOf(fbc: string | undefined): string | undefined {
  return /^fb\.\d+\.\d+\.(.+)$/.exec(fbc?.trim() ?? "")?.[1];
}

/** Opaque ids (order ids, join keys, click ids) are hashed exactly as given. */
export function hashOpaque(value: string | undefined, memo?: HashMemo): Promise<string | undefined> {
  const trimmed = value?.trim();
  return trimmed ? digestOnce(trimmed, memo) : Promise.resolve(undefined);
}

function prefixed(kind: string, hash: Promise<string | undefined>): Promise<string | undefined> {
  return hash.then((value) => (value === undefined ? undefined : `${kind}:${value}`));
}

/**
 * Whether a subject key names the order rather than the buyer (its order id, its checkout's join
 * key): what a refund of the order carries, and what a withdrawal of the buyer extends to.
 */
export function isOrderSubject(key: string): boolean {
  return key.startsWith("order:") || key.startsWith("join:");
}
