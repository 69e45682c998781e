// One sample purchase in Sluice's standard format, with every customer field, click ids, client
// context and consent for Meta: what the workerd tests (test/helpers/relay.ts) and `npm run bench`
// (scripts/lib/bench-workload.mjs) send. Plain JavaScript so that both Node and workerd load it.

export const SAMPLE_CUSTOMER = {
  email: "  John.Doe@Example.COM ",
  phone: "(650) 555-1212",
  firstName: "Mary",
  lastName: "O'Brien-Smith",
  city: "San Francisco",
  state: "California",
  zip: "94035-1234",
  country: "US",
  externalId: "User-123",
};

/**
 * @param {string} orderId
 * @param {number} nowMs the purchase happened a minute before this
 */
export function samplePurchase(orderId, nowMs) {
  return {
    type: "purchase",
    orderId,
    occurredAt: new Date(nowMs - 60_000).toISOString(),
    value: 49.0,
    currency: "eur",
    items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
    customer: SAMPLE_CUSTOMER,
    clickIds: { fbc: "fb.1.1767225000000.AbCdEf", fbp: "fb.1.1767000000000.123456789" },
    client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)", pageUrl: "https://shop.example/thanks" },
    consent: { meta: "granted" },
  };
}
