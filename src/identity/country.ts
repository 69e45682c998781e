// Officially assigned ISO 3166-1 alpha-2 codes (249). A closed list, because a 2-letter string
// is not necessarily a country (`EU`, `ZZ`) and sending one to a destination is a wrong identifier.
const ISO_3166_ALPHA2 = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR " +
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ " +
    "EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW " +
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY " +
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV " +
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
    "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG " +
    "TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

// `UK` is ISO-reserved for the United Kingdom and common in shop data; the assigned code is GB.
const ALIASES = new Map([["UK", "GB"]]);

/**
 * Upper-case ISO 3166-1 alpha-2 code, or undefined. Only 2-letter codes are accepted: country
 * names (`United States`) are dropped, not guessed.
 */
export function toCountryCode(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const upper = raw.trim().toUpperCase();
  const code = ALIASES.get(upper) ?? upper;
  return ISO_3166_ALPHA2.has(code) ? code : undefined;
}

/**
 * The country a customer's address and local phone number are read in: the customer's own
 * country, else the tenant's default. Every identity family and the subject keys use this one
 * rule, so a withdrawal's phone key is the number the destinations were given.
 */
export function customerRegion(customerCountry: string | undefined, defaultCountry: string | undefined): string | undefined {
  return toCountryCode(customerCountry) ?? toCountryCode(defaultCountry);
}
