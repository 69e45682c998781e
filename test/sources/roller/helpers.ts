import { expect } from "vitest";
import { now } from "../../helpers/clock";
import { admin, sendBeacon } from "../../helpers/relay";
import { SECRETS, createSourceTenant, fixtures, postHook, sign } from "../helpers";

/**
 * A ROLLER tenant (AUD, its ticket page allowed to send beacons) whose `hook` source carries API
 * credentials for the booking lookup; returns the admin API's answer to setting them.
 */
export async function rollerTenantWithCredentials(id: string, credentials: { clientId: string; clientSecret: string }) {
  await createSourceTenant({
    id,
    type: "roller",
    secret: SECRETS.roller,
    options: { currency: "AUD" },
    allowedOrigins: ["https://tickets.example"],
  });
  return admin("PUT", `/tenants/${id}/sources/hook`, { type: "roller", options: { currency: "AUD" }, credentials });
}

/**
 * The buyer's Meta consent from the ticket page's beacon, then ROLLER's booking-created webhook
 * without e-mail and phone (only the booking lookup can supply them), booked a minute ago on the
 * test clock. Returns the stored event's id.
 */
export async function consentThenBookingWithoutContact(id: string): Promise<string> {
  const beacon = await sendBeacon(
    id,
    { joinKey: "sj_4f9a2c1e8b7d", consent: { meta: "granted" }, page: { url: "https://tickets.example/done" } },
    { origin: "https://tickets.example", "user-agent": "Mozilla/5.0 (beacon)" },
  );
  expect(beacon.status).toBe(204);
  const envelope = fixtures.rollerCreated();
  delete envelope.data.booking.email;
  delete envelope.data.booking.phone;
  // The sample was booked "today": move it to the test clock's today.
  const at = new Date(now() - 60_000).toISOString();
  Object.assign(envelope, { eventDate: at, sendDate: at });
  envelope.data.booking.createdDate = at;
  const res = await postHook(id, JSON.stringify(envelope), { ...sign.roller(), "user-agent": "ROLLER-Webhooks" });
  expect(res.status).toBe(202);
  return res.json.id as string;
}
