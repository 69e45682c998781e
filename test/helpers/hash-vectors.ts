/**
 * SHA-256 (hex) of the test CUSTOMER's fields (test/helpers/relay.ts) after a platform's
 * normalization, by the normalized value.
 */
export const SHA256 = {
  "john.doe@example.com": "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f",
  "16505551212": "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
  mary: "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
  obriensmith: "16765783f9c8c8a3accf27f1abb877688cb5904c21a4a7afb5f125bcfcb246ba",
  "o'brien-smith": "5349291f7c643970cc1b897c8ffb45a8b630e59c1fecc3d1e4dc8e292a7971a9",
  sanfrancisco: "1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac",
  ca: "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
  "94035": "1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e",
  us: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
  "user-123": "fcdec6df4d44dbc637c7c5b58efface52a7f8a88535423430255be0bb89bedd8",
  "User-123": "9fd04ee71c44e21cddbd6c9eab81e2d21324f0ace8ec10cbb929b3390625fc9e",
} as const;

/**
 * The test CUSTOMER as Meta's user_data: every field normalized by Meta's rules
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters),
 * hashed, in a one-element list.
 */
export const CUSTOMER_META_USER_DATA = {
  em: [SHA256["john.doe@example.com"]],
  ph: [SHA256["16505551212"]],
  fn: [SHA256.mary],
  ln: [SHA256.obriensmith],
  ct: [SHA256.sanfrancisco],
  st: [SHA256.ca],
  zp: [SHA256["94035"]],
  country: [SHA256.us],
  external_id: [SHA256["user-123"]],
};
