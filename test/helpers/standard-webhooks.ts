/** Signs a body the way a Standard Webhooks sender does, from the test's own secret. */
export const TEST_WHSEC = `whsec_${btoa("sluice-test-signing-key-0123")}`;

export async function signStandard(
  body: string,
  opts: { secret?: string; id?: string; timestamp?: number } = {},
): Promise<Record<string, string>> {
  const secret = opts.secret ?? TEST_WHSEC;
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  const signature = btoa(String.fromCharCode(...mac));
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  };
}
