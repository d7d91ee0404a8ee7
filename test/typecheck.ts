/**
 * Type-level tests: compiled by `tsc --noEmit` (part of `npm test`), never run. Each `@ts-expect-error` line must
 * fail to type-check, or the build fails.
 */
import { DateTime } from "effect"
import type { Effect } from "effect"
import { Orders, Profiles, Sms, TopUp } from "effect-esim-access"
import type { EsimAccessConfig, EsimAccessError } from "effect-esim-access"
import type { HttpClient } from "effect/http"

// @ts-expect-error two identifiers at once
Profiles.query({ orderNo: "B1", esimTranNo: "1" })
// @ts-expect-error an identifier and a time range
Profiles.stream({ iccid: "8900", startTime: DateTime.makeUnsafe(0) })
// @ts-expect-error both esimTranNo and iccid
Profiles.cancel({ esimTranNo: "1", iccid: "8900" })
// @ts-expect-error both esimTranNo and iccid
TopUp.create({ esimTranNo: "1", iccid: "8900", packageCode: "TOPUP_X", transactionId: "t" })
// @ts-expect-error neither esimTranNo nor iccid
Sms.send({ message: "hi" })
// @ts-expect-error transactionId is required
Orders.create({ packageInfoList: [{ packageCode: "CKH002", count: 1 }] })

// every endpoint requires exactly EsimAccessConfig | HttpClient and fails with EsimAccessError
export const requirements: Effect.Effect<
  Orders.Order,
  EsimAccessError.EsimAccessError,
  EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
> = Orders.create({ transactionId: "t", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })

export const query = Profiles.query({ orderNo: "B1", pager: { pageNum: 1, pageSize: 50 } })
