/**
 * `transactionId`s that make ordering safe. The API treats a repeated transactionId as the same purchase
 * (reference §6), which protects you only if a repeat of *your* purchase carries the same id. Derive it from your
 * own business key (a shop order id, a booking id): a process that crashes after ordering and restarts derives the
 * same id, and the API does not charge again.
 *
 * Clock-based ids (`txn-${Date.now()}`) are dangerous: the restarted process makes a new one and buys a second
 * time. Random ids have the same problem.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { InvalidRequest } from "./EsimAccessError.ts"
import { sha256, toHex } from "./internal/sha256.ts"
import { transactionIdMaxLength, transactionIdProblem } from "./internal/wire/orders.ts"

/**
 * The longest transactionId the API accepts (reference §2.2).
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { TransactionId } from "effect-esim-access"
 *
 * const fits = (id: string) => id.length <= TransactionId.maxLength // 50
 * ```
 */
export const maxLength = transactionIdMaxLength

// printable, no whitespace at the ends; the API stores utf8mb4 and counts characters. Control characters are
// Unicode's Cc category: C0, DEL and C1 (U+0080 to U+009F)
const problem = transactionIdProblem

/**
 * A valid transactionId: 1 to 50 characters, no control characters, no surrounding whitespace.
 *
 * @since 0.1.0
 * @category schemas
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { TransactionId } from "effect-esim-access"
 *
 * // inside your own schemas, e.g. a queued purchase
 * const Purchase = Schema.Struct({ transactionId: TransactionId.TransactionId, packageCode: Schema.String })
 * const purchase = Schema.decodeUnknownSync(Purchase)({ transactionId: "shop-order-1042", packageCode: "CKH491" })
 * ```
 */
export const TransactionId = Schema.String.check(Schema.makeFilter((s: string) => problem(s) ?? true)).pipe(
  Schema.brand("TransactionId")
)

/**
 * A string checked by the {@link TransactionId} schema or {@link validate}.
 *
 * @since 0.1.0
 * @category models
 */
export type TransactionId = typeof TransactionId.Type

/**
 * Checks an id, failing with `InvalidRequest` (`code: "client"`) that says what is wrong.
 *
 * @since 0.1.0
 * @category validation
 * @example
 * ```ts
 * import { TransactionId } from "effect-esim-access"
 *
 * TransactionId.validate("shop-order-1042") // Effect<TransactionId, InvalidRequest>
 * ```
 */
export const validate = (id: string): Effect.Effect<TransactionId, InvalidRequest> => {
  const message = problem(id)
  return message === undefined ?
    Effect.succeed(id as TransactionId) :
    Effect.fail(new InvalidRequest({ code: "client", endpoint: "transactionId", message }))
}

const prefixCharacters = /^[A-Za-z0-9._]+$/

const safeCharacters = /^[A-Za-z0-9._:-]+$/

/**
 * Derives a transactionId from your business key, the same every time for the same inputs.
 *
 * A short key made of `A-Z a-z 0-9 . _ -` is used as it is, after the optional `prefix` (`A-Z a-z 0-9 . _`,
 * readable in the console) and before the optional `purpose` (`key:purpose`); an empty purpose is no purpose. Anything longer or with other characters becomes the prefix plus a SHA-256 digest of the key, cut to
 * fit 50 characters. Pass `purpose` to derive distinct ids for distinct purchases of one business object (the
 * order and each of its top-ups).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TransactionId } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const id = yield* TransactionId.fromKey("order-1042", { prefix: "shop" }) // "shop-order-1042"
 *   const topUp = yield* TransactionId.fromKey("order-1042", { prefix: "shop", purpose: "topup-1" })
 * })
 * ```
 */
export const fromKey = (
  key: string,
  options: { readonly prefix?: string | undefined; readonly purpose?: string | undefined } = {}
): Effect.Effect<TransactionId, InvalidRequest> =>
  Effect.gen(function*() {
    if (key === "") {
      return yield* new InvalidRequest({
        code: "client",
        endpoint: "transactionId",
        message: "the key must not be empty"
      })
    }
    const prefix = options.prefix === undefined || options.prefix === "" ? "" : `${options.prefix}-`
    // no "-" or ":" in a prefix: they separate the parts, so "a-b" + "c" could not collide with "a" + "b-c"
    if (prefix !== "" && (!prefixCharacters.test(options.prefix!) || prefix.length > 17)) {
      return yield* new InvalidRequest({
        code: "client",
        endpoint: "transactionId",
        message: "prefix must be 1 to 16 characters of A-Z a-z 0-9 . _"
      })
    }
    const purpose = options.purpose === undefined || options.purpose === "" ? undefined : options.purpose
    // readable only when ":" can only be the purpose separator: fromKey("a:b") and fromKey("a", { purpose: "b" })
    // must not give the same id
    const readable = purpose === undefined ? key : `${key}:${purpose}`
    if (
      safeCharacters.test(readable) && !key.includes(":") && !(purpose ?? "").includes(":") &&
      prefix.length + readable.length <= maxLength
    ) {
      return (prefix + readable) as TransactionId
    }
    const digest = toHex(sha256(new TextEncoder().encode(`${key}\u0000${purpose ?? ""}`)))
    return (prefix + digest).slice(0, maxLength) as TransactionId
  })
