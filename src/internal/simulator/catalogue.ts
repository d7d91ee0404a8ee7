/**
 * The simulator's catalogue: the three packages of the fixtures (`test/fixtures/package_list.response.json`) plus
 * a generated catalogue of about 3,000 packages over every country and region of `locations.ts`, deterministic
 * from a seed. Every package that supports top-ups (`supportTopUpType` 2 or 3) has a `TOPUP_<packageCode>` twin in
 * the top-up catalogue, as in `package_list.topup.response.json` (reference §2.1, §2.9).
 *
 * @internal
 */
import type { Location } from "../wire/account.ts"
import { countries, countryByCode, type Region, regions } from "./locations.ts"
import * as Prng from "./prng.ts"

/** An operator of a location (reference §2.1 `locationNetworkList`). */
export interface Operator {
  readonly operatorName: string
  readonly networkType: string
}

export interface LocationNetwork {
  readonly locationName: string
  readonly locationLogo: string
  readonly locationCode: string
  readonly operatorList: ReadonlyArray<Operator>
}

/** A package with every field of reference §2.1 present; assignable to the wire `Package`. */
export interface SimPackage {
  readonly packageCode: string
  readonly slug: string
  readonly name: string
  /** USD × 10,000; for day passes the price of one day */
  readonly price: number
  readonly currencyCode: string
  /** bytes; for day passes the daily allowance */
  readonly volume: number
  readonly smsStatus: number
  readonly dataType: number
  readonly unusedValidTime: number
  readonly duration: number
  readonly durationUnit: string
  readonly location: string
  readonly locationCode: string
  readonly description: string
  readonly activeType: number
  readonly favorite: boolean
  readonly retailPrice: number
  readonly speed: string
  readonly ipExport: string
  readonly supportTopUpType: number
  readonly fupPolicy: string
  readonly locationNetworkList: ReadonlyArray<LocationNetwork>
}

/** Day passes have a daily allowance: `dataType` 2, 3 or 4 (reference §5.4). */
export const isDayPass = (pkg: SimPackage): boolean => pkg.dataType !== 1

/** `!GL` plans (reference §2.1). */
export const isGlobal = (pkg: SimPackage): boolean => pkg.locationCode.startsWith("GL-")

/** `!RG` plans: multi-country, not global (reference §2.1). */
export const isRegional = (pkg: SimPackage): boolean => pkg.locationCode.includes("-") && !isGlobal(pkg)

export const topUpPrefix = "TOPUP_"

const GiB = 1_073_741_824
const MiB = 1_048_576

const network = (locationCode: string, locationName: string, operatorList: ReadonlyArray<Operator>) => ({
  locationName,
  locationLogo: `/img/flags/${locationCode.toLowerCase()}.png`,
  locationCode,
  operatorList
})

/** The packages of `test/fixtures/package_list.response.json`, verbatim. */
export const fixturePackages: ReadonlyArray<SimPackage> = [
  {
    packageCode: "CKH002",
    slug: "ES_3_30",
    name: "Spain 3GB 30Days",
    price: 18000,
    currencyCode: "USD",
    volume: 3221225472,
    smsStatus: 0,
    dataType: 1,
    unusedValidTime: 180,
    duration: 30,
    durationUnit: "DAY",
    location: "ES",
    locationCode: "ES",
    description: "Spain 3GB 30Days",
    activeType: 2,
    favorite: false,
    retailPrice: 36000,
    speed: "3G/4G/5G",
    ipExport: "NL/FR",
    supportTopUpType: 2,
    fupPolicy: "",
    locationNetworkList: [
      network("ES", "Spain", [{ operatorName: "Movistar", networkType: "5G" }, {
        operatorName: "Vodafone",
        networkType: "4G"
      }])
    ]
  },
  {
    packageCode: "CKH491",
    slug: "NA-3_1_7",
    name: "North America 1GB 7Days",
    price: 57000,
    currencyCode: "USD",
    volume: 1073741824,
    smsStatus: 1,
    dataType: 1,
    unusedValidTime: 180,
    duration: 7,
    durationUnit: "DAY",
    location: "MX,US,CA",
    locationCode: "NA-3",
    description: "North America 1GB 7Days",
    activeType: 2,
    favorite: true,
    retailPrice: 114000,
    speed: "3G/4G",
    ipExport: "US",
    supportTopUpType: 2,
    fupPolicy: "",
    locationNetworkList: [
      network("US", "United States", [{ operatorName: "T-Mobile", networkType: "5G" }]),
      network("CA", "Canada", [{ operatorName: "Rogers Wireless", networkType: "5G" }]),
      network("MX", "Mexico", [{ operatorName: "Telcel", networkType: "4G" }])
    ]
  },
  {
    packageCode: "PJCB7UMFE",
    slug: "GE_500M_1",
    name: "Georgia 500MB/Day",
    price: 9000,
    currencyCode: "USD",
    volume: 524288000,
    smsStatus: 0,
    dataType: 2,
    unusedValidTime: 180,
    duration: 1,
    durationUnit: "DAY",
    location: "GE",
    locationCode: "GE",
    description: "Georgia 500MB/Day",
    activeType: 2,
    favorite: false,
    retailPrice: 18000,
    speed: "4G",
    ipExport: "GE",
    supportTopUpType: 3,
    fupPolicy: "384 Kbps",
    locationNetworkList: [network("GE", "Georgia", [{ operatorName: "Magti", networkType: "4G" }])]
  }
]

/** Fixed plans: [GB, days]. Each location gets a seeded subset. */
const fixedPlans: ReadonlyArray<readonly [number, number]> = [
  [0.5, 7],
  [1, 1],
  [1, 3],
  [1, 7],
  [1, 15],
  [1, 30],
  [2, 7],
  [2, 15],
  [2, 30],
  [3, 7],
  [3, 15],
  [3, 30],
  [5, 7],
  [5, 15],
  [5, 30],
  [10, 7],
  [10, 15],
  [10, 30],
  [15, 30],
  [20, 30],
  [20, 90],
  [30, 30],
  [50, 30],
  [50, 180],
  [100, 180]
]

/** Day passes: [daily MB, slug part, name part, dataType]. */
const dayPasses: ReadonlyArray<readonly [number, string, string, number]> = [
  [500, "500M", "500MB", 2],
  [1024, "1G", "1GB", 2],
  [2048, "2G", "2GB", 3]
]

const operatorNames = [
  "Vodafone",
  "Orange",
  "T-Mobile",
  "Telefonica",
  "Airtel",
  "Claro",
  "MTN",
  "Etisalat",
  "Ooredoo",
  "Digicel",
  "Telenor",
  "Telia",
  "Three",
  "Movistar",
  "Tigo",
  "Zain",
  "Globe",
  "AIS",
  "Viettel",
  "Telkomsel",
  "Jio",
  "Singtel"
]

interface Place {
  readonly code: string
  readonly name: string
  readonly members: ReadonlyArray<string>
  readonly region: Region | undefined
}

const places: ReadonlyArray<Place> = [
  ...countries.map((c) => ({ code: c.code, name: c.name, members: [c.code], region: undefined })),
  ...regions.map((r) => ({ code: r.code, name: r.name, members: r.members, region: r }))
]

const gbLabel = (gb: number) => String(gb)

const toUnits = (usd: number) => Math.max(3000, Math.round(usd * 100) * 100)

const generate = (seed: number, taken: ReadonlySet<string>): ReadonlyArray<SimPackage> => {
  const out: Array<SimPackage> = []
  const codes = new Set<string>(taken)
  const slugs = new Set<string>(fixturePackages.map((p) => p.slug))
  const newCode = (slug: string) => {
    for (let i = 0;; i++) {
      const code = `P${Prng.code(seed, `code:${slug}:${i}`, 8)}`
      if (!codes.has(code)) {
        codes.add(code)
        return code
      }
    }
  }
  for (const place of places) {
    const global = place.region?.global === true
    const multi = place.region !== undefined
    // USD per GB: cheap and dear countries, regions a little dearer, global plans the dearest
    const rate = global ? 5.5 : (0.45 + 4 * Prng.unit(seed, `rate:${place.code}`)) * (multi ? 1.4 : 1)
    const locationNetworkList = place.members.map((member) => {
      const country = countryByCode.get(member)
      const operators = Prng.int(seed, `ops:${member}`, 1, 2)
      return network(
        member,
        country?.name ?? member,
        Array.from({ length: operators }, (_, i) => ({
          operatorName: Prng.pick(seed, `op:${member}:${i}`, operatorNames),
          networkType: Prng.unit(seed, `5g:${member}:${i}`) < 0.5 ? "5G" : "4G"
        }))
      )
    })
    const common = (key: string) => ({
      currencyCode: "USD",
      smsStatus: ((u) => (u < 0.8 ? 0 : u < 0.95 ? 1 : 2))(Prng.unit(seed, `sms:${key}`)),
      unusedValidTime: Prng.unit(seed, `unused:${key}`) < 0.9 ? 180 : 90,
      durationUnit: "DAY",
      location: place.members.join(","),
      locationCode: place.code,
      activeType: Prng.unit(seed, `active:${key}`) < 0.9 ? 2 : 1,
      favorite: false,
      speed: Prng.pick(seed, `speed:${key}`, ["3G/4G", "3G/4G/5G", "4G", "4G/5G"]),
      ipExport: Prng.pick(seed, `ip:${key}`, ["HK", "NL", "UK", "SG", "US", "NL/FR", place.members[0] ?? "HK"]),
      locationNetworkList
    })
    const share = global ? 0.25 : multi ? 0.4 : 0.53
    for (const [gb, days] of fixedPlans) {
      const slug = `${place.code}_${gbLabel(gb)}_${days}`
      if (slugs.has(slug) || Prng.unit(seed, `plan:${slug}`) >= share) continue
      slugs.add(slug)
      const price = toUnits(rate * Math.pow(gb, 0.8) * (1 + (days / 90) * 0.3))
      const name = `${place.name} ${gb}GB ${days}Days`
      out.push({
        packageCode: newCode(slug),
        slug,
        name,
        price,
        volume: Math.round(gb * GiB),
        dataType: 1,
        duration: days,
        description: name,
        retailPrice: price * 2,
        supportTopUpType: Prng.unit(seed, `topup:${slug}`) < 0.75 ? 2 : 1,
        fupPolicy: "",
        ...common(slug)
      })
    }
    if (global) continue
    for (const [mb, slugPart, namePart, dataType] of dayPasses) {
      const slug = `${place.code}_${slugPart}_1`
      if (slugs.has(slug) || (mb === 2048 && Prng.unit(seed, `pass:${slug}`) < 0.5)) continue
      slugs.add(slug)
      const price = toUnits(rate * Math.pow(mb / 1024, 0.8) * 1.1)
      const name = `${place.name} ${namePart}/Day`
      out.push({
        packageCode: newCode(slug),
        slug,
        name,
        price,
        volume: mb * MiB,
        dataType,
        duration: 1,
        description: name,
        retailPrice: price * 2,
        supportTopUpType: 3,
        fupPolicy: Prng.pick(seed, `fup:${slug}`, ["384 Kbps", "512 Kbps", "1 Mbps"]),
        ...common(slug)
      })
    }
  }
  return out
}

/** The catalogue and its indexes. */
export interface Catalogue {
  readonly base: ReadonlyArray<SimPackage>
  readonly topUps: ReadonlyArray<SimPackage>
  readonly baseByCode: ReadonlyMap<string, SimPackage>
  readonly baseBySlug: ReadonlyMap<string, SimPackage>
  readonly topUpByCode: ReadonlyMap<string, SimPackage>
  readonly topUpBySlug: ReadonlyMap<string, SimPackage>
  /** `location/list` (reference §2.14): every location some package covers */
  readonly locations: ReadonlyArray<Location>
}

export interface CatalogueOptions {
  readonly seed: number
  /** `false`: the fixture packages only */
  readonly generate: boolean
  /** extra packages, appended after the fixtures */
  readonly packages: ReadonlyArray<SimPackage>
}

const toTopUp = (pkg: SimPackage): SimPackage => ({ ...pkg, packageCode: `${topUpPrefix}${pkg.packageCode}` })

// catalogues are immutable: one per seed is built once
const cache = new Map<string, Catalogue>()

export const make = (options: CatalogueOptions): Catalogue => {
  const key = options.packages.length === 0 ? `${options.seed}:${options.generate}` : undefined
  const cached = key === undefined ? undefined : cache.get(key)
  if (cached !== undefined) return cached
  const catalogue = build(options)
  if (key !== undefined && cache.size < 16) cache.set(key, catalogue)
  return catalogue
}

const build = (options: CatalogueOptions): Catalogue => {
  const fixed = [...fixturePackages, ...options.packages]
  const base = options.generate
    ? [...fixed, ...generate(options.seed, new Set(fixed.map((p) => p.packageCode)))]
    : fixed
  const topUps = base.filter((p) => p.supportTopUpType === 2 || p.supportTopUpType === 3).map(toTopUp)
  const used = new Set(base.map((p) => p.locationCode))
  const locations: Array<Location> = []
  for (const country of countries) {
    if (used.has(country.code)) locations.push({ ...country, type: 1, subLocationList: [] })
  }
  for (const region of regions) {
    if (!used.has(region.code)) continue
    locations.push({
      code: region.code,
      name: region.name,
      type: 2,
      subLocationList: region.members.map((code) => ({ code, name: countryByCode.get(code)?.name ?? code }))
    })
  }
  return {
    base,
    topUps,
    baseByCode: new Map(base.map((p) => [p.packageCode, p])),
    baseBySlug: new Map(base.map((p) => [p.slug, p])),
    topUpByCode: new Map(topUps.map((p) => [p.packageCode, p])),
    topUpBySlug: new Map(topUps.map((p) => [p.slug, p])),
    locations
  }
}
