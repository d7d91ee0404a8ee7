/**
 * The simulator's state machine, pure: every operation takes the state, the current time (epoch millis) and a
 * decoded request, and returns the next state, the webhook events it caused and a result or an API failure. No
 * effects, no clock, no I/O: the runtime (`runtime.ts`) reads `Clock`, serialises access and delivers the events.
 * Time-driven rules (allocation after the delay, the validity warning one day before expiry, expiry) are due items
 * that `advance` applies in time order.
 *
 * Every rule cites the section of the API reference (`/work/shared/api/README.md`) it comes from; `[?]` marks a
 * choice the reference leaves open.
 *
 * @internal
 */
import { DateTime, Result } from "effect"
import type { LedgerEntry } from "../../Simulator.ts"
import type * as WebhookEvent from "../../WebhookEvent.ts"
import { codeTable } from "../errorCodes.ts"
import type * as AccountWire from "../wire/account.ts"
import type * as OrdersWire from "../wire/orders.ts"
import type * as PackagesWire from "../wire/packages.ts"
import type * as ProfilesWire from "../wire/profiles.ts"
import { type Catalogue, isDayPass, isGlobal, isRegional, type SimPackage } from "./catalogue.ts"
import * as Prng from "./prng.ts"

// ---------------------------------------------------------------------------------------------------------------
// model
// ---------------------------------------------------------------------------------------------------------------

/** An API failure: the code of reference §3 and its message. */
export interface ApiFailure {
  readonly code: string
  readonly message: string
}

/** The documented message of a code (reference §3), with an optional detail. */
export const apiFailure = (code: string, detail?: string): ApiFailure => {
  const message = codeTable[code]?.message ?? "error"
  return { code, message: detail === undefined ? message : `${message} [${detail}]` }
}

export interface Config {
  readonly seed: number
  /** milliseconds between an order and its profiles (reference §6: typically 3 to 10 s) */
  readonly allocationDelay: number
  /** a repeated transactionId replays the original (default) or fails with 310402 (reference §6) */
  readonly duplicateTransactionId: "replay" | "error"
  readonly catalogue: Catalogue
}

export interface ProfilePackageRecord {
  readonly packageName: string
  readonly packageCode: string
  readonly slug: string
  readonly duration: number
  readonly volume: number
  readonly locationCode: string
  readonly createTime: number
}

export interface ProfileRecord {
  readonly esimTranNo: string
  readonly orderNo: string
  readonly transactionId: string
  readonly iccid: string
  readonly imsi: string
  /** the matching id of the activation code, 32 upper-case hex digits */
  readonly matchingId: string
  /** the base package */
  readonly packageCode: string
  readonly locationCode: string
  readonly dayPass: boolean
  readonly supportTopUpType: number
  readonly smsStatus: number
  readonly dataType: number
  readonly activeType: number
  readonly esimStatus: string
  readonly smdpStatus: string
  /** the status before a suspension, restored by unsuspend */
  readonly previousStatus: string | undefined
  readonly eid: string
  readonly createTime: number
  readonly activateTime: number | undefined
  readonly expiredTime: number
  readonly totalVolume: number
  readonly totalDuration: number
  readonly orderUsage: number
  /** how many DATA_USAGE thresholds (50, 80, 90 % used) were already announced */
  readonly usageAlerts: number
  readonly validityWarned: boolean
  readonly lastUpdateTime: number
  /** everything paid for this profile (its share of the order plus top-ups): what a cancel refunds */
  readonly paid: number
  readonly packages: ReadonlyArray<ProfilePackageRecord>
}

export interface OrderLine {
  readonly packageCode: string
  readonly count: number
  readonly periodNum: number
  /** price of one profile: the package price, times periodNum for day passes */
  readonly unitCost: number
}

export interface OrderRecord {
  readonly orderNo: string
  readonly transactionId: string
  readonly createTime: number
  readonly readyAt: number
  readonly lines: ReadonlyArray<OrderLine>
  readonly count: number
  readonly amount: number
  readonly allocated: boolean
  readonly esimTranNos: ReadonlyArray<string>
}

export interface TopUpRecord {
  readonly transactionId: string
  readonly esimTranNo: string
  readonly packageCode: string
  readonly cost: number
  readonly time: number
  readonly response: typeof OrdersWire.TopUpResponse.Type
}

export interface SmsRecord {
  readonly esimTranNo: string
  readonly iccid: string
  readonly message: string
  readonly time: number
}

export type { LedgerEntry }

export interface State {
  readonly balance: number
  readonly webhook: string | undefined
  readonly orders: ReadonlyMap<string, OrderRecord>
  readonly orderNoByTransaction: ReadonlyMap<string, string>
  readonly profiles: ReadonlyMap<string, ProfileRecord>
  readonly topUps: ReadonlyMap<string, TopUpRecord>
  readonly sms: ReadonlyArray<SmsRecord>
  readonly ledger: ReadonlyArray<LedgerEntry>
  readonly sequence: number
  readonly notifySequence: number
  readonly smdpSequence: number
}

export const initial = (options: { readonly balance: number; readonly webhook: string | undefined }): State => ({
  balance: options.balance,
  webhook: options.webhook,
  orders: new Map(),
  orderNoByTransaction: new Map(),
  profiles: new Map(),
  topUps: new Map(),
  sms: [],
  ledger: [],
  sequence: 0,
  notifySequence: 0,
  smdpSequence: 100
})

/** What an operation returns: the next state, the events it caused, and its result. */
export interface Outcome<A, E = ApiFailure> {
  readonly state: State
  readonly events: ReadonlyArray<WebhookEvent.WebhookEvent>
  readonly result: Result.Result<A, E>
}

const day = 86_400_000

// ---------------------------------------------------------------------------------------------------------------
// transactions: a mutable draft of the state, thrown away on failure
// ---------------------------------------------------------------------------------------------------------------

class Draft {
  balance: number
  webhook: string | undefined
  readonly orders: Map<string, OrderRecord>
  readonly orderNoByTransaction: Map<string, string>
  readonly profiles: Map<string, ProfileRecord>
  readonly topUps: Map<string, TopUpRecord>
  readonly sms: Array<SmsRecord>
  readonly ledger: Array<LedgerEntry>
  sequence: number
  notifySequence: number
  smdpSequence: number
  readonly events: Array<WebhookEvent.WebhookEvent> = []
  now: number
  readonly config: Config

  constructor(config: Config, state: State, now: number) {
    this.config = config
    this.balance = state.balance
    this.webhook = state.webhook
    this.orders = new Map(state.orders)
    this.orderNoByTransaction = new Map(state.orderNoByTransaction)
    this.profiles = new Map(state.profiles)
    this.topUps = new Map(state.topUps)
    this.sms = [...state.sms]
    this.ledger = [...state.ledger]
    this.sequence = state.sequence
    this.notifySequence = state.notifySequence
    this.smdpSequence = state.smdpSequence
    this.now = now
  }

  toState(): State {
    return {
      balance: this.balance,
      webhook: this.webhook,
      orders: this.orders,
      orderNoByTransaction: this.orderNoByTransaction,
      profiles: this.profiles,
      topUps: this.topUps,
      sms: this.sms,
      ledger: this.ledger,
      sequence: this.sequence,
      notifySequence: this.notifySequence,
      smdpSequence: this.smdpSequence
    }
  }

  /** `yyMMddHHmm` + a 4-digit sequence: the shape of live orderNos and esimTranNos (reference §2.2, §2.3). */
  nextId(exists: (id: string) => boolean): string {
    for (;;) {
      this.sequence++
      const id = `${stamp(this.now)}${String(this.sequence % 10_000).padStart(4, "0")}`
      if (!exists(id)) return id
    }
  }

  move(kind: LedgerEntry["kind"], amount: number, reference: string): void {
    this.balance += amount
    this.ledger.push({ time: this.now, kind, amount, reference, balance: this.balance })
  }

  envelope() {
    this.notifySequence++
    return {
      notifyId: Prng.hex(this.config.seed, `notify:${this.notifySequence}`, 32),
      eventGenerateTime: DateTime.makeUnsafe(this.now)
    }
  }

  emitEsimStatus(p: ProfileRecord): void {
    this.events.push({
      _tag: "EsimStatus",
      notifyType: "ESIM_STATUS",
      ...this.envelope(),
      content: {
        ...ids(p),
        esimStatus: p.esimStatus,
        smdpStatus: p.smdpStatus,
        totalVolume: p.totalVolume,
        orderUsage: p.orderUsage,
        remainVolume: Math.max(0, p.totalVolume - p.orderUsage)
      }
    })
  }

  emitSmdp(p: ProfileRecord): void {
    this.smdpSequence++
    this.events.push({
      _tag: "SmdpEvent",
      notifyType: "SMDP_EVENT",
      ...this.envelope(),
      content: {
        ...ids(p),
        eid: p.eid,
        esimStatus: p.esimStatus,
        smdpStatus: p.smdpStatus,
        timestamp: DateTime.makeUnsafe(this.now),
        seqNumber: this.smdpSequence,
        notifyStatus: "Executed-Success"
      }
    })
  }
}

const pad = (n: number) => String(n).padStart(2, "0")

const stamp = (millis: number): string => {
  const d = new Date(millis)
  return `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${
    pad(d.getUTCMinutes())
  }`
}

const ids = (p: ProfileRecord) => ({
  iccid: p.iccid,
  orderNo: p.orderNo,
  esimTranNo: p.esimTranNo,
  transactionId: p.transactionId
})

const transact = <A>(
  config: Config,
  state: State,
  now: number,
  f: (draft: Draft) => Result.Result<A, ApiFailure>
): Outcome<A> => {
  const draft = new Draft(config, state, now)
  const result = f(draft)
  return Result.isSuccess(result) ? { state: draft.toState(), events: draft.events, result } : {
    state,
    events: [],
    result
  }
}

const ok = Result.succeed
const fail = (code: string, detail?: string) => Result.fail(apiFailure(code, detail))

const present = (s: string | undefined): s is string => s !== undefined && s !== ""

// ---------------------------------------------------------------------------------------------------------------
// reads
// ---------------------------------------------------------------------------------------------------------------

/** A profile by `esimTranNo` or `iccid` (the simulator never reuses ICCIDs, unlike the live API, §2.3). */
export const findProfile = (
  state: State,
  ref: { readonly esimTranNo?: string | undefined; readonly iccid?: string | undefined }
): ProfileRecord | undefined => {
  if (present(ref.esimTranNo)) return state.profiles.get(ref.esimTranNo)
  if (present(ref.iccid)) {
    for (const p of state.profiles.values()) if (p.iccid === ref.iccid) return p
  }
  return undefined
}

const smdpHost = "rsp.example.com"

/** A profile as `esim/query` answers it (reference §2.3). */
export const toWire = (p: ProfileRecord): ProfilesWire.Profile => {
  const hex = p.matchingId.toLowerCase()
  return {
    esimTranNo: p.esimTranNo,
    orderNo: p.orderNo,
    transactionId: p.transactionId,
    imsi: p.imsi,
    iccid: p.iccid,
    smsStatus: p.smsStatus,
    msisdn: "",
    ac: `LPA:1$${smdpHost}$${p.matchingId}`,
    qrCodeUrl: `https://p.qrsim.net/${hex}.png`,
    shortUrl: `https://p.qrsim.net/${hex}`,
    smdpStatus: p.smdpStatus,
    eid: p.eid,
    activeType: p.activeType,
    dataType: p.dataType,
    activateTime: p.activateTime === undefined ? null : DateTime.makeUnsafe(p.activateTime),
    expiredTime: DateTime.makeUnsafe(p.expiredTime),
    totalVolume: p.totalVolume,
    totalDuration: p.totalDuration,
    durationUnit: "DAY",
    orderUsage: p.orderUsage,
    esimStatus: p.esimStatus,
    pin: "",
    puk: "",
    apn: "internet",
    packageList: p.packages.map((pkg) => ({
      packageName: pkg.packageName,
      packageCode: pkg.packageCode,
      slug: pkg.slug,
      duration: pkg.duration,
      volume: pkg.volume,
      locationCode: pkg.locationCode,
      createTime: DateTime.makeUnsafe(pkg.createTime)
    }))
  }
}

const blank = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)

/** Whether a top-up package fits a base package: same area, same kind of plan (reference §2.9 "area-matched"). */
const fits = (topUp: SimPackage, base: { readonly locationCode: string; readonly dayPass: boolean }) =>
  topUp.locationCode === base.locationCode && isDayPass(topUp) === base.dayPass

const canTopUp = (supportTopUpType: number) => supportTopUpType === 2 || supportTopUpType === 3

/** `package/list` with every filter of reference §2.1; `""` and a missing field mean the same (§1.2). */
export const listPackages = (
  config: Config,
  state: State,
  request: typeof PackagesWire.ListRequest.Type
): ReadonlyArray<SimPackage> => {
  const catalogue = config.catalogue
  const locationCode = blank(request.locationCode)?.toUpperCase()
  const packageCode = blank(request.packageCode)
  const slug = blank(request.slug)
  const iccid = blank(request.iccid)
  const dataType = blank(request.dataType)
  let packages: ReadonlyArray<SimPackage>
  if (request.type === "TOPUP") {
    // top-ups for an eSIM (iccid) or for a base package (packageCode / slug)
    packages = catalogue.topUps
    if (iccid !== undefined) {
      const profile = findProfile(state, { iccid })
      packages = profile === undefined || !canTopUp(profile.supportTopUpType) ?
        [] :
        packages.filter((p) => fits(p, profile))
    }
    const code = packageCode ?? slug
    if (code !== undefined) {
      const base = catalogue.baseByCode.get(code) ?? catalogue.baseBySlug.get(code)
      if (base !== undefined) {
        packages = canTopUp(base.supportTopUpType) ?
          packages.filter((p) => fits(p, { locationCode: base.locationCode, dayPass: isDayPass(base) })) :
          []
      } else {
        packages = packages.filter((p) => p.packageCode === code || p.slug === code)
      }
    }
  } else {
    packages = catalogue.base
    if (packageCode !== undefined) packages = packages.filter((p) => p.packageCode === packageCode)
    if (slug !== undefined) packages = packages.filter((p) => p.slug === slug)
  }
  if (locationCode === "!RG") packages = packages.filter(isRegional)
  else if (locationCode === "!GL") packages = packages.filter(isGlobal)
  else if (locationCode !== undefined) packages = packages.filter((p) => p.locationCode.toUpperCase() === locationCode)
  if (dataType === "1") packages = packages.filter((p) => !isDayPass(p))
  else if (dataType === "2") packages = packages.filter(isDayPass)
  return packages
}

/** The live message of the pending state (reference §2.3). */
export const gettingResource = (total: number) =>
  `the batchOrder has been getting resource, total:[${total}], success:[0]`

/** `esim/query` (reference §2.3). */
export const query = (
  state: State,
  request: typeof ProfilesWire.QueryRequest.Type
): Result.Result<typeof ProfilesWire.QueryResponse.Type, ApiFailure> => {
  let profiles: ReadonlyArray<ProfileRecord>
  if (present(request.orderNo)) {
    const order = state.orders.get(request.orderNo)
    // live: "the orderNo doesn't exist"
    if (order === undefined) return fail("310272")
    // pending, not a failure: poll again (reference §2.3, §3 200010)
    if (!order.allocated) return Result.fail({ code: "200010", message: gettingResource(order.count) })
    profiles = order.esimTranNos.flatMap((id) => state.profiles.get(id) ?? [])
  } else if (present(request.esimTranNo) || present(request.iccid)) {
    // an unknown id answers an empty list [?] (reference §2.3)
    const profile = findProfile(state, request)
    profiles = profile === undefined ? [] : [profile]
  } else {
    const start = request.startTime === undefined ? -Infinity : DateTime.toEpochMillis(request.startTime)
    const end = request.endTime === undefined ? Infinity : DateTime.toEpochMillis(request.endTime)
    profiles = [...state.profiles.values()].filter((p) => p.createTime >= start && p.createTime <= end)
  }
  const { pageNum, pageSize } = request.pager
  const page = profiles.slice((pageNum - 1) * pageSize, pageNum * pageSize)
  return ok({ esimList: page.map(toWire), pager: { pageNum, pageSize, total: profiles.length } })
}

/** `esim/usage/query` (reference §2.13): unknown ids are left out. */
export const usage = (
  state: State,
  request: typeof AccountWire.UsageRequest.Type
): ReadonlyArray<AccountWire.UsageRecord> =>
  request.esimTranNoList.flatMap((id) => {
    const p = state.profiles.get(id)
    return p === undefined ? [] : [{
      esimTranNo: p.esimTranNo,
      dataUsage: p.orderUsage,
      totalData: p.totalVolume,
      lastUpdateTime: DateTime.makeUnsafe(p.lastUpdateTime)
    }]
  })

// ---------------------------------------------------------------------------------------------------------------
// esim/order (reference §2.2, §6)
// ---------------------------------------------------------------------------------------------------------------

/** At most 30 eSIMs in one batch (reference §2.2). */
export const maxBatch = 30

export const order = (
  config: Config,
  state: State,
  now: number,
  request: typeof OrdersWire.OrderRequest.Type
): Outcome<typeof OrdersWire.OrderResponse.Type> =>
  transact(config, state, now, (d) => {
    const existing = d.orderNoByTransaction.get(request.transactionId)
    if (existing !== undefined) {
      // the same transactionId is the same request: replay the original order, no second charge (§6)
      return config.duplicateTransactionId === "replay" ?
        ok({ orderNo: existing, transactionId: request.transactionId }) :
        fail("310402")
    }
    const lines: Array<OrderLine> = []
    for (const info of request.packageInfoList) {
      // packageCode or slug (§2.2)
      const pkg = config.catalogue.baseByCode.get(info.packageCode) ?? config.catalogue.baseBySlug.get(info.packageCode)
      if (pkg === undefined) return fail("310241", info.packageCode)
      // periodNum is required for day passes, ignored otherwise (§2.2)
      const dayPass = isDayPass(pkg)
      if (dayPass && info.periodNum === undefined) return fail("000105", "periodNum")
      const periodNum = dayPass ? info.periodNum ?? 1 : 1
      if (info.price !== undefined && info.price !== pkg.price) return fail("200005", info.packageCode)
      // a day pass costs its daily price times the days [?] (§6)
      lines.push({ packageCode: pkg.packageCode, count: info.count, periodNum, unitCost: pkg.price * periodNum })
    }
    const count = lines.reduce((n, line) => n + line.count, 0)
    // the code for a batch over 30 is undocumented [?]
    if (count > maxBatch) return fail("200008", `at most ${maxBatch} eSIMs per order`)
    const amount = lines.reduce((n, line) => n + line.unitCost * line.count, 0)
    if (request.amount !== undefined && request.amount !== amount) return fail("200006")
    if (amount > d.balance) return fail("200007")
    const orderNo = `B${d.nextId((id) => d.orders.has(`B${id}`))}`
    d.orders.set(orderNo, {
      orderNo,
      transactionId: request.transactionId,
      createTime: now,
      readyAt: now + config.allocationDelay,
      lines,
      count,
      amount,
      allocated: false,
      esimTranNos: []
    })
    d.orderNoByTransaction.set(request.transactionId, orderNo)
    // debited at once (§6: "observed balance drop exactly equal to price")
    d.move("order", -amount, orderNo)
    return ok({ orderNo, transactionId: request.transactionId })
  })

const allocate = (d: Draft, record: OrderRecord): void => {
  const esimTranNos: Array<string> = []
  for (const line of record.lines) {
    const pkg = d.config.catalogue.baseByCode.get(line.packageCode)
    if (pkg === undefined) continue
    const dayPass = isDayPass(pkg)
    for (let i = 0; i < line.count; i++) {
      const esimTranNo = d.nextId((id) => d.profiles.has(id))
      const serial = String(d.sequence).padStart(10, "0")
      const profile: ProfileRecord = {
        esimTranNo,
        orderNo: record.orderNo,
        transactionId: record.transactionId,
        iccid: `8900000000${serial}`,
        imsi: `00101${serial}`,
        matchingId: Prng.hex(d.config.seed, `ac:${esimTranNo}`, 32).toUpperCase(),
        packageCode: pkg.packageCode,
        locationCode: pkg.locationCode,
        dayPass,
        supportTopUpType: pkg.supportTopUpType,
        smsStatus: pkg.smsStatus,
        dataType: pkg.dataType,
        activeType: pkg.activeType,
        // New: RELEASED / GOT_RESOURCE, no eid, no usage (§5.2)
        esimStatus: "GOT_RESOURCE",
        smdpStatus: "RELEASED",
        previousStatus: undefined,
        eid: "",
        createTime: record.createTime,
        activateTime: undefined,
        // installable for unusedValidTime days (§6)
        expiredTime: d.now + pkg.unusedValidTime * day,
        // a day pass holds its daily allowance (§2.1) for each of its periodNum days (§2.2) [?]
        totalVolume: pkg.volume * line.periodNum,
        totalDuration: pkg.duration * line.periodNum,
        orderUsage: 0,
        usageAlerts: 0,
        validityWarned: false,
        lastUpdateTime: d.now,
        paid: line.unitCost,
        // one packageList entry per package (§2.3), holding what that package added: for a day pass the daily
        // allowance times periodNum and periodNum days, the same rule as a day-pass top-up, so the entries add up
        // to totalVolume and totalDuration. The reference does not say how live day-pass entries read [?].
        packages: [{
          packageName: pkg.name,
          packageCode: pkg.packageCode,
          slug: pkg.slug,
          duration: pkg.duration * line.periodNum,
          volume: pkg.volume * line.periodNum,
          locationCode: pkg.locationCode,
          createTime: record.createTime
        }]
      }
      d.profiles.set(esimTranNo, profile)
      esimTranNos.push(esimTranNo)
    }
  }
  d.orders.set(record.orderNo, { ...record, allocated: true, esimTranNos })
  // profiles allocated and downloadable: ORDER_STATUS / GOT_RESOURCE, no ICCID (§4.2)
  d.events.push({
    _tag: "OrderStatus",
    notifyType: "ORDER_STATUS",
    ...d.envelope(),
    content: { orderNo: record.orderNo, orderStatus: "GOT_RESOURCE", transactionId: record.transactionId }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// lifecycle (reference §2.4 to §2.7, §2.9, §2.12)
// ---------------------------------------------------------------------------------------------------------------

type Ref = { readonly esimTranNo?: string | undefined; readonly iccid?: string | undefined }

/** Runs `f` on the profile named by `ref`; an unknown one is 310403 [?]. */
const withProfile = <A>(
  config: Config,
  state: State,
  now: number,
  ref: Ref,
  f: (d: Draft, p: ProfileRecord) => Result.Result<A, ApiFailure>
): Outcome<A> =>
  transact(config, state, now, (d) => {
    const p = findProfile(state, ref)
    return p === undefined ? fail("310403", ref.esimTranNo ?? ref.iccid) : f(d, p)
  })

const update = (d: Draft, p: ProfileRecord, patch: Partial<ProfileRecord>): ProfileRecord => {
  const next = { ...p, ...patch }
  d.profiles.set(p.esimTranNo, next)
  return next
}

/** Cancel: only New profiles (GOT_RESOURCE and RELEASED); refunds what was paid (§2.4, §6). */
export const cancel = (config: Config, state: State, now: number, ref: Ref): Outcome<{}> =>
  withProfile(config, state, now, ref, (d, p) => {
    if (p.esimStatus !== "GOT_RESOURCE" || p.smdpStatus !== "RELEASED" || p.orderUsage > 0) return fail("200002")
    const next = update(d, p, { esimStatus: "CANCEL" })
    d.move("refund", p.paid, p.esimTranNo)
    d.emitEsimStatus(next)
    return ok({})
  })

/** Suspend: only profiles in use (§2.5, vendor skill: "only works on activated eSIMs"). */
export const suspend = (config: Config, state: State, now: number, ref: Ref): Outcome<{}> =>
  withProfile(config, state, now, ref, (d, p) => {
    if (p.esimStatus !== "IN_USE") return fail("200002")
    d.emitEsimStatus(update(d, p, { esimStatus: "SUSPENDED", previousStatus: p.esimStatus }))
    return ok({})
  })

/** Unsuspend: back to the status before the suspension [?] (§2.6). */
export const unsuspend = (config: Config, state: State, now: number, ref: Ref): Outcome<{}> =>
  withProfile(config, state, now, ref, (d, p) => {
    if (p.esimStatus !== "SUSPENDED") return fail("200002")
    d.emitEsimStatus(update(d, p, { esimStatus: p.previousStatus ?? "IN_USE", previousStatus: undefined }))
    return ok({})
  })

const live = new Set(["GOT_RESOURCE", "IN_USE", "USED_UP", "SUSPENDED"])

/**
 * Whether a profile is "active" in the sense of §2.7 ("closes and removes an active eSIM and plan"): activated
 * (In use, Depleted, or suspended after activation), or Onboard (§5.2: GOT_RESOURCE but already on a device,
 * smdpStatus no longer RELEASED). A New profile (GOT_RESOURCE / RELEASED) is not active: it is cancelled, with a
 * refund (§2.4). The reference does not say which statuses "active" covers [?]; every documented variant of an
 * activated or installed profile is accepted.
 */
const isActive = (p: ProfileRecord): boolean =>
  p.esimStatus === "IN_USE" || p.esimStatus === "USED_UP" || p.esimStatus === "SUSPENDED" ||
  (p.esimStatus === "GOT_RESOURCE" && p.smdpStatus !== "RELEASED")

/** Revoke: closes an active profile, no refund (§2.7, §6 "revoke refunds nothing"); a New one is 200002. */
export const revoke = (config: Config, state: State, now: number, ref: Ref): Outcome<{}> =>
  withProfile(config, state, now, ref, (d, p) => {
    if (!isActive(p)) {
      return fail(
        "200002",
        p.esimStatus === "GOT_RESOURCE" ? "a New profile is not active: cancel it instead (refunded)" : p.esimStatus
      )
    }
    d.emitEsimStatus(update(d, p, { esimStatus: "REVOKED", smdpStatus: "DELETED", previousStatus: undefined }))
    return ok({})
  })

/** SMS: installed profiles whose plan has smsStatus 1 or 2; free (§2.12). */
export const sendSms = (
  config: Config,
  state: State,
  now: number,
  request: typeof ProfilesWire.SmsRequest.Type
): Outcome<{}> =>
  withProfile(config, state, now, request, (d, p) => {
    const installed = p.eid !== "" && (p.esimStatus === "IN_USE" || p.esimStatus === "USED_UP")
    if (!installed || (p.smsStatus !== 1 && p.smsStatus !== 2)) return fail("200002")
    d.sms.push({ esimTranNo: p.esimTranNo, iccid: p.iccid, message: request.message, time: now })
    return ok({})
  })

const thresholds: ReadonlyArray<readonly [used: number, remain: number]> = [[0.5, 0.5], [0.8, 0.2], [0.9, 0.1]]

const alertsReached = (usage: number, total: number) =>
  thresholds.filter(([used]) => total > 0 && usage >= total * used).length

const topUpAllowed = new Set(["GOT_RESOURCE", "IN_USE", "USED_UP"])

/** Top-up (§2.9): cumulative volume and duration, area-matched, not after expiry. */
export const topUp = (
  config: Config,
  state: State,
  now: number,
  request: typeof OrdersWire.TopUpRequest.Type
): Outcome<typeof OrdersWire.TopUpResponse.Type> =>
  withProfile(config, state, now, request, (d, p) => {
    const previous = d.topUps.get(request.transactionId)
    if (previous !== undefined) {
      // same rule as orders (§6)
      return config.duplicateTransactionId === "replay" ? ok(previous.response) : fail("310402")
    }
    const pkg = config.catalogue.topUpByCode.get(request.packageCode) ??
      config.catalogue.topUpBySlug.get(request.packageCode)
    if (pkg === undefined) return fail("310241", request.packageCode)
    // supportTopUpType 2 or 3 only; New, In Use or Depleted, never after expiry (§2.9)
    if (!canTopUp(p.supportTopUpType) || !topUpAllowed.has(p.esimStatus)) return fail("200002")
    // area-matched: country to same country, region to same region; the code is undocumented [?]
    if (!fits(pkg, p)) return fail("310243", `${pkg.packageCode} does not fit ${p.locationCode}`)
    // a day pass (supportTopUpType 3, "top-up with periodNum", §2.1, §5.4) is topped up by days, and periodNum is
    // required for day-pass plans (§2.2): missing is 000105, as for an order. §2.9 marks the field O because fixed
    // top-ups take none; for them it is ignored, as in orders.
    if (p.dayPass && request.periodNum === undefined) return fail("000105", "periodNum")
    const periodNum = p.dayPass ? request.periodNum ?? 1 : 1
    // 1 to 365 (§2.2); out of range is a malformed parameter (400001), as the order's schema answers it
    if (periodNum < 1 || periodNum > 365) return fail("400001", "periodNum must be 1 to 365")
    const cost = pkg.price * periodNum
    if (request.amount !== undefined && request.amount !== cost) return fail("200006")
    if (cost > d.balance) return fail("200007")
    // a day pass adds its daily allowance for each day (§2.1: volume is the daily allowance), as in `allocate`
    const days = pkg.duration * periodNum
    const volume = pkg.volume * periodNum
    const totalVolume = p.totalVolume + volume
    // an activated profile's expiry moves by the added days; a New one keeps its install deadline
    const expiredTime = p.activateTime === undefined ? p.expiredTime : p.expiredTime + days * day
    const revived = p.esimStatus === "USED_UP" && p.orderUsage < totalVolume
    const topUpEsimTranNo = d.nextId((id) => d.profiles.has(id))
    const next = update(d, p, {
      totalVolume,
      totalDuration: p.totalDuration + days,
      expiredTime,
      esimStatus: revived ? "IN_USE" : p.esimStatus,
      usageAlerts: alertsReached(p.orderUsage, totalVolume),
      validityWarned: p.validityWarned && expiredTime - day <= now,
      paid: p.paid + cost,
      packages: [...p.packages, {
        packageName: pkg.name,
        packageCode: pkg.packageCode,
        slug: pkg.slug,
        duration: days,
        volume,
        locationCode: pkg.locationCode,
        createTime: now
      }]
    })
    d.move("topUp", -cost, request.transactionId)
    // no ORDER_STATUS for top-ups (§2.9); a depleted profile is back in use
    if (revived) d.emitEsimStatus(next)
    const response = {
      transactionId: request.transactionId,
      iccid: p.iccid,
      expiredTime: DateTime.makeUnsafe(expiredTime),
      totalVolume: next.totalVolume,
      totalDuration: next.totalDuration,
      orderUsage: next.orderUsage,
      topUpEsimTranNo
    }
    d.topUps.set(request.transactionId, {
      transactionId: request.transactionId,
      esimTranNo: p.esimTranNo,
      packageCode: pkg.packageCode,
      cost,
      time: now,
      response
    })
    return ok(response)
  })

export const setWebhook = (state: State, url: string | undefined): State => ({ ...state, webhook: url })

// ---------------------------------------------------------------------------------------------------------------
// control (what a device and the network would do)
// ---------------------------------------------------------------------------------------------------------------

const control = <A>(
  config: Config,
  state: State,
  now: number,
  ref: Ref,
  f: (d: Draft, p: ProfileRecord) => Result.Result<A, string>
): Outcome<A, string> => {
  const p = findProfile(state, ref)
  if (p === undefined) {
    return { state, events: [], result: Result.fail(`no profile ${ref.esimTranNo ?? ref.iccid ?? ""}`) }
  }
  const d = new Draft(config, state, now)
  const result = f(d, p)
  return Result.isSuccess(result) ? { state: d.toState(), events: d.events, result } : { state, events: [], result }
}

export const fund = (config: Config, state: State, now: number, amount: number): Outcome<number, string> => {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return { state, events: [], result: Result.fail("the amount must be a positive integer (API units)") }
  }
  const d = new Draft(config, state, now)
  d.move("fund", amount, "fund")
  return { state: d.toState(), events: [], result: Result.succeed(d.balance) }
}

/**
 * Installs a New profile on a device: SMDP_EVENT DOWNLOAD, INSTALLATION, ENABLED, then ESIM_STATUS IN_USE
 * (reference §4.2 typical sequence). Validity starts now for both activeTypes [?].
 */
export const install = (
  config: Config,
  state: State,
  now: number,
  ref: Ref,
  eid: string | undefined
): Outcome<ProfileRecord, string> =>
  control(config, state, now, ref, (d, p) => {
    if (p.esimStatus !== "GOT_RESOURCE" || p.smdpStatus !== "RELEASED") {
      return Result.fail(`profile ${p.esimTranNo} is ${p.esimStatus}/${p.smdpStatus}, not a New profile`)
    }
    let next = update(d, p, {
      eid: eid ?? `89049032${String(d.sequence).padStart(12, "0")}${p.iccid.slice(-12)}`,
      smdpStatus: "DOWNLOAD"
    })
    d.emitSmdp(next)
    next = update(d, next, { smdpStatus: "INSTALLATION" })
    d.emitSmdp(next)
    next = update(d, next, { smdpStatus: "ENABLED" })
    d.emitSmdp(next)
    next = update(d, next, {
      esimStatus: "IN_USE",
      activateTime: now,
      expiredTime: now + next.totalDuration * day,
      lastUpdateTime: now
    })
    d.emitEsimStatus(next)
    return Result.succeed(next)
  })

/**
 * Data used on the network: DATA_USAGE when 50, 80 and 90 % are used (remainThreshold 0.5, 0.2, 0.1), then
 * ESIM_STATUS USED_UP when nothing is left (reference §4.2, §7.8).
 */
export const consume = (
  config: Config,
  state: State,
  now: number,
  ref: Ref,
  bytes: number
): Outcome<ProfileRecord, string> =>
  control(config, state, now, ref, (d, p) => {
    if (!Number.isSafeInteger(bytes) || bytes < 0) return Result.fail("bytes must be a non-negative integer")
    if (p.esimStatus !== "IN_USE") return Result.fail(`profile ${p.esimTranNo} is ${p.esimStatus}, not IN_USE`)
    const orderUsage = Math.min(p.totalVolume, p.orderUsage + bytes)
    let next = update(d, p, { orderUsage, lastUpdateTime: now })
    while (next.usageAlerts < thresholds.length) {
      const [used, remain] = thresholds[next.usageAlerts]!
      if (orderUsage < next.totalVolume * used) break
      next = update(d, next, { usageAlerts: next.usageAlerts + 1 })
      d.events.push({
        _tag: "DataUsage",
        notifyType: "DATA_USAGE",
        ...d.envelope(),
        content: {
          ...ids(next),
          totalVolume: next.totalVolume,
          orderUsage,
          remain: next.totalVolume - orderUsage,
          remainThreshold: remain,
          lastUpdateTime: DateTime.makeUnsafe(now)
        }
      })
    }
    if (orderUsage >= next.totalVolume) {
      next = update(d, next, { esimStatus: "USED_UP" })
      d.emitEsimStatus(next)
    }
    return Result.succeed(next)
  })

const activeStatuses = new Set(["IN_USE", "USED_UP", "SUSPENDED"])

/** Moves an activated profile to one day before its expiry; `advance` then sends VALIDITY_USAGE (§4.2). */
export const expireSoon = (config: Config, state: State, now: number, ref: Ref): Outcome<ProfileRecord, string> =>
  control(config, state, now, ref, (d, p) => {
    if (p.activateTime === undefined || !activeStatuses.has(p.esimStatus)) {
      return Result.fail(`profile ${p.esimTranNo} is ${p.esimStatus}, not activated`)
    }
    return Result.succeed(update(d, p, { expiredTime: now + day, validityWarned: false }))
  })

/** Moves a live profile past its expiry; `advance` then expires it (USED_EXPIRED or UNUSED_EXPIRED, §5.2). */
export const expire = (config: Config, state: State, now: number, ref: Ref): Outcome<ProfileRecord, string> =>
  control(config, state, now, ref, (d, p) => {
    if (!live.has(p.esimStatus)) return Result.fail(`profile ${p.esimTranNo} is ${p.esimStatus}, not live`)
    return Result.succeed(update(d, p, { expiredTime: now, validityWarned: true }))
  })

// ---------------------------------------------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------------------------------------------

type Due =
  | { readonly at: number; readonly kind: "allocate"; readonly orderNo: string }
  | { readonly at: number; readonly kind: "warn" | "expire"; readonly esimTranNo: string }

const dueItems = (state: State): Array<Due> => {
  const items: Array<Due> = []
  for (const o of state.orders.values()) {
    if (!o.allocated) items.push({ at: o.readyAt, kind: "allocate", orderNo: o.orderNo })
  }
  for (const p of state.profiles.values()) {
    if (!live.has(p.esimStatus)) continue
    if (p.activateTime !== undefined && !p.validityWarned) {
      items.push({ at: p.expiredTime - day, kind: "warn", esimTranNo: p.esimTranNo })
    }
    items.push({ at: p.expiredTime, kind: "expire", esimTranNo: p.esimTranNo })
  }
  return items
}

const earliest = (items: ReadonlyArray<Due>): Due | undefined =>
  items.reduce<Due | undefined>((min, item) => (min === undefined || item.at < min.at ? item : min), undefined)

/** When the next time-driven rule is due, if any. */
export const nextDue = (state: State): number | undefined => earliest(dueItems(state))?.at

const applyDue = (d: Draft, item: Due): void => {
  if (item.kind === "allocate") {
    const record = d.orders.get(item.orderNo)
    if (record !== undefined) allocate(d, record)
    return
  }
  const p = d.profiles.get(item.esimTranNo)
  if (p === undefined) return
  if (item.kind === "warn") {
    // one day of validity left (§4.2)
    const next = update(d, p, { validityWarned: true })
    d.events.push({
      _tag: "ValidityUsage",
      notifyType: "VALIDITY_USAGE",
      ...d.envelope(),
      content: {
        ...ids(next),
        remain: 1,
        totalDuration: next.totalDuration,
        durationUnit: "DAY",
        expiredTime: DateTime.makeUnsafe(next.expiredTime)
      }
    })
    return
  }
  // never installed: UNUSED_EXPIRED / RELEASED; used: USED_EXPIRED (§4.2 common pairs)
  const unused = p.activateTime === undefined
  d.emitEsimStatus(update(d, p, { esimStatus: unused ? "UNUSED_EXPIRED" : "USED_EXPIRED", previousStatus: undefined }))
}

/** Applies every time-driven rule due at or before `now`, in time order, each at its own time. */
export const advance = (config: Config, state: State, now: number): Outcome<void, never> => {
  let current = state
  const events: Array<WebhookEvent.WebhookEvent> = []
  for (let guard = 0; guard < 100_000; guard++) {
    const item = earliest(dueItems(current))
    if (item === undefined || item.at > now) break
    const d = new Draft(config, current, Math.max(item.at, 0))
    applyDue(d, item)
    current = d.toState()
    events.push(...d.events)
  }
  return { state: current, events, result: Result.succeed(undefined) }
}
