/**
 * The places the generated catalogue covers: single countries (ISO 3166-1 alpha-2, reference §1.1) and
 * multi-country regions named `<REGION>-<n>` where n is the number of countries (`NA-3`, `EU-42`, reference §5.4),
 * plus global plans (`GL-<n>`, listed by the `!GL` filter of §2.1).
 *
 * @internal
 */

const countryTable =
  `AD Andorra|AE United Arab Emirates|AF Afghanistan|AG Antigua and Barbuda|AI Anguilla|AL Albania|AM Armenia
|AR Argentina|AT Austria|AU Australia|AW Aruba|AX Aland Islands|AZ Azerbaijan|BA Bosnia and Herzegovina|BB Barbados
|BD Bangladesh|BE Belgium|BF Burkina Faso|BG Bulgaria|BH Bahrain|BJ Benin|BM Bermuda|BN Brunei|BO Bolivia|BR Brazil
|BS Bahamas|BW Botswana|BY Belarus|BZ Belize|CA Canada|CD Congo (DRC)|CF Central African Republic|CG Congo|CH Switzerland
|CI Cote d'Ivoire|CL Chile|CM Cameroon|CN China mainland|CO Colombia|CR Costa Rica|CV Cape Verde|CW Curacao|CY Cyprus
|CZ Czech Republic|DE Germany|DK Denmark|DM Dominica|DO Dominican Republic|DZ Algeria|EC Ecuador|EE Estonia|EG Egypt
|ES Spain|ET Ethiopia|FI Finland|FJ Fiji|FO Faroe Islands|FR France|GA Gabon|GB United Kingdom|GD Grenada|GE Georgia
|GF French Guiana|GG Guernsey|GH Ghana|GI Gibraltar|GM Gambia|GN Guinea|GP Guadeloupe|GR Greece|GT Guatemala|GU Guam
|GY Guyana|HK Hong Kong (China)|HN Honduras|HR Croatia|HT Haiti|HU Hungary|ID Indonesia|IE Ireland|IL Israel
|IM Isle of Man|IN India|IQ Iraq|IS Iceland|IT Italy|JE Jersey|JM Jamaica|JO Jordan|JP Japan|KE Kenya|KG Kyrgyzstan
|KH Cambodia|KN Saint Kitts and Nevis|KR South Korea|KW Kuwait|KY Cayman Islands|KZ Kazakhstan|LA Laos|LC Saint Lucia
|LI Liechtenstein|LK Sri Lanka|LR Liberia|LT Lithuania|LU Luxembourg|LV Latvia|MA Morocco|MC Monaco|MD Moldova
|ME Montenegro|MG Madagascar|MK North Macedonia|ML Mali|MN Mongolia|MO Macao (China)|MQ Martinique|MR Mauritania
|MS Montserrat|MT Malta|MU Mauritius|MV Maldives|MW Malawi|MX Mexico|MY Malaysia|MZ Mozambique|NA Namibia|NE Niger
|NG Nigeria|NI Nicaragua|NL Netherlands|NO Norway|NP Nepal|NZ New Zealand|OM Oman|PA Panama|PE Peru|PG Papua New Guinea
|PH Philippines|PK Pakistan|PL Poland|PR Puerto Rico|PT Portugal|PY Paraguay|QA Qatar|RE Reunion|RO Romania|RS Serbia
|RU Russia|RW Rwanda|SA Saudi Arabia|SC Seychelles|SD Sudan|SE Sweden|SG Singapore|SI Slovenia|SK Slovakia|SL Sierra Leone
|SM San Marino|SN Senegal|SR Suriname|SV El Salvador|SZ Eswatini|TC Turks and Caicos Islands|TD Chad|TG Togo|TH Thailand
|TJ Tajikistan|TN Tunisia|TR Turkey|TT Trinidad and Tobago|TW Taiwan (China)|TZ Tanzania|UA Ukraine|UG Uganda
|US United States|UY Uruguay|UZ Uzbekistan|VA Vatican City|VC Saint Vincent and the Grenadines|VG British Virgin Islands
|VN Vietnam|ZA South Africa|ZM Zambia|ZW Zimbabwe`

/** A single country: `code` is ISO 3166-1 alpha-2. */
export interface Country {
  readonly code: string
  readonly name: string
}

export const countries: ReadonlyArray<Country> = countryTable
  .replace(/\n/g, "")
  .split("|")
  .map((entry) => {
    const code = entry.slice(0, 2)
    return { code, name: entry.slice(3) }
  })

export const countryByCode: ReadonlyMap<string, Country> = new Map(countries.map((c) => [c.code, c]))

/** A multi-country area; `global` ones answer the `!GL` filter, the others `!RG` (reference §2.1). */
export interface Region {
  readonly code: string
  readonly name: string
  readonly members: ReadonlyArray<string>
  readonly global: boolean
}

const region = (prefix: string, name: string, members: string, global = false): Region => {
  const list = members.split(" ").filter((code) => countryByCode.has(code))
  return { code: `${prefix}-${list.length}`, name, members: list, global }
}

const europe =
  "AT BE BG HR CY CZ DK EE FI FR DE GR HU IS IE IT LV LI LT LU MT NL NO PL PT RO SK SI ES SE CH GB UA AL BA ME " +
  "MK RS MD GI FO AX"

export const regions: ReadonlyArray<Region> = [
  // the fixture's North America plan is `NA-3` with `MX,US,CA` (reference §2.1)
  region("NA", "North America", "US CA MX"),
  region("EU", "Europe", europe),
  region("AS", "Asia", "CN HK MO TW JP KR SG MY TH VN ID PH"),
  region("SEA", "Southeast Asia", "SG MY TH VN ID PH KH LA"),
  region("AF", "Africa", "ZA EG MA TN DZ KE TZ UG RW NG GH SN CI CM GA CG CD MG MU MW MZ ZM ZW BW NA SZ ET ML BF"),
  region("ME", "Middle East", "AE SA QA KW BH OM JO IL TR EG IQ"),
  region("SA", "South America", "AR BR CL CO EC PE PY UY BO GY SR GF"),
  region("CB", "Caribbean", "AG AI AW BB BM BS CW DM DO GD JM KN KY LC MS TC TT VC VG PR HT"),
  region("CAS", "Central Asia", "KZ KG TJ UZ MN"),
  region("OC", "Australia and New Zealand", "AU NZ FJ"),
  region("GC", "China, Hong Kong and Macao", "CN HK MO"),
  region("GL", "Global", countries.filter((_, i) => i % 3 !== 2).map((c) => c.code).join(" "), true),
  region("GL", "Global (extended)", countries.map((c) => c.code).join(" "), true)
]

export const regionByCode: ReadonlyMap<string, Region> = new Map(regions.map((r) => [r.code, r]))
