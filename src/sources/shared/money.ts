/**
 * Amounts. Stripe sends integers in the currency's minor unit; the exponent is Stripe's, which is
 * not always ISO 4217's (docs.stripe.com/currencies): ISK is ISO zero-decimal but Stripe keeps it
 * two-decimal ("an ISK amount of 100 represents 1 króna"), HUF and TWD are two-decimal for charges.
 */
const ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);
const THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

/** Decimal places of one major unit in Stripe's API (0, 2 or 3). */
export function minorUnitExponent(currency: string): 0 | 2 | 3 {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** `1999 usd` → 19.99, `500 jpy` → 500, `12340 kwd` → 12.34; rounded so 0.1 + 0.2 noise never shows. */
export function fromMinorUnits(amount: number, currency: string): number {
  const exponent = minorUnitExponent(currency);
  return Number((amount / 10 ** exponent).toFixed(exponent));
}
