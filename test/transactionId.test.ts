/**
 * TransactionId: ids derived from business keys (deterministic, at most 50 characters, purpose-separated) and the
 * validation of ids the caller makes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { TransactionId } from "effect-esim-access"
import { createHash } from "node:crypto"
import { failureOf } from "./clientSupport.ts"

const length = (s: string) => [...s].length

/** Runs `fromKey` and returns the id, or throws with the failure. */
const derive = (key: string, options?: Parameters<typeof TransactionId.fromKey>[1]) =>
  TransactionId.fromKey(key, options)

const invalid = (exit: Exit.Exit<unknown, unknown>) => {
  const error = failureOf(exit) as { readonly _tag: string; readonly code: string; readonly message: string }
  assert.strictEqual(error._tag, "InvalidRequest")
  assert.strictEqual(error.code, "client")
  return error.message
}

const longKeys = [
  "order-".repeat(20),
  "x".repeat(51),
  "x".repeat(10_000),
  "Bestellung für Jürgen Müller, Zürich — Reise nach Tōkyō 🇯🇵 (2 Personen)",
  "🚀".repeat(60),
  "注文番号-二〇二六年一月一日-東京-大阪-京都-札幌-福岡-那覇-名古屋-神戸-横浜-仙台-広島",
  "key with spaces",
  " leading",
  "tab\there",
  "line\nbreak",
  "nul\u0000byte"
]

describe("TransactionId.fromKey", () => {
  it.effect("a short key of safe characters is used as it is, after the prefix", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* derive("order-1042"), "order-1042")
      assert.strictEqual(yield* derive("order-1042", { prefix: "shop" }), "shop-order-1042")
      assert.strictEqual(yield* derive("order-1042", { prefix: "shop", purpose: "topup-1" }), "shop-order-1042:topup-1")
      assert.strictEqual(yield* derive("A.b_c-9"), "A.b_c-9")
    }))

  it.effect("a key with ':' is hashed, so it never equals a key plus a purpose", () =>
    Effect.gen(function*() {
      const withPurpose = yield* derive("a", { purpose: "b" })
      assert.strictEqual(withPurpose, "a:b")
      assert.notStrictEqual(yield* derive("a:b"), withPurpose)
      assert.notStrictEqual(yield* derive("a", { purpose: "b:c" }), yield* derive("a:b", { purpose: "c" }))
      // an empty purpose is no purpose
      assert.strictEqual(yield* derive("a", { purpose: "" }), yield* derive("a"))
    }))

  it.effect("a prefix cannot contain the separators", () =>
    Effect.gen(function*() {
      for (const prefix of ["a-b", "a:b"]) {
        assert.isTrue(Exit.isFailure(yield* Effect.exit(derive("c", { prefix }))), prefix)
      }
    }))

  it.effect("is deterministic: the same inputs give the same id, in a new run too", () =>
    Effect.gen(function*() {
      for (const key of ["order-1042", ...longKeys]) {
        for (const options of [{}, { prefix: "shop" }, { purpose: "topup-1" }, { prefix: "s", purpose: "p" }]) {
          const a = yield* derive(key, options)
          const b = yield* derive(key, options)
          assert.strictEqual(a, b, key)
        }
      }
      // the derivation is pinned (SHA-256 of key NUL purpose, in hex): a process restarted on a newer version of
      // this library must derive the same id, or it would buy again
      const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")
      const key = "x".repeat(51)
      assert.strictEqual(yield* derive(key), sha(`${key}\u0000`).slice(0, 50))
      assert.strictEqual(yield* derive(key, { prefix: "shop" }), `shop-${sha(`${key}\u0000`).slice(0, 45)}`)
      const unicode = longKeys[3]!
      assert.strictEqual(
        yield* derive(unicode, { purpose: "topup-1" }),
        sha(`${unicode}\u0000topup-1`).slice(0, 50)
      )
    }))

  it.effect("long, unicode or otherwise unsafe keys become a digest of at most 50 characters", () =>
    Effect.gen(function*() {
      for (const key of longKeys) {
        for (const options of [{}, { prefix: "shop" }, { prefix: "p".repeat(16), purpose: "topup-12" }]) {
          const id = yield* derive(key, options)
          assert.isAtMost(length(id), 50, key)
          assert.isAtMost(id.length, 50, key)
          assert.match(id, /^[A-Za-z0-9._:-]+$/, key)
          // and the result passes validation
          assert.isTrue(Exit.isSuccess(yield* Effect.exit(TransactionId.validate(id))))
        }
      }
      // a 50-character safe key is kept; 51 is hashed
      assert.strictEqual(yield* derive("k".repeat(50)), "k".repeat(50))
      assert.notStrictEqual(yield* derive("k".repeat(51)), "k".repeat(50))
      // with a prefix the room for the key shrinks
      const prefixed = yield* derive("k".repeat(50), { prefix: "shop" })
      assert.strictEqual(prefixed.length, 50)
      assert.isTrue(prefixed.startsWith("shop-"))
      assert.notStrictEqual(prefixed, `shop-${"k".repeat(45)}`)
    }))

  it.effect("different keys give different ids, also when hashed", () =>
    Effect.gen(function*() {
      const keys = [...longKeys, "order-1042", "order-1043", "x".repeat(52), "x".repeat(10_001)]
      const ids = new Set<string>()
      for (const key of keys) ids.add(yield* derive(key))
      assert.strictEqual(ids.size, keys.length)
      // keys that share their first 50 characters are not cut to the same id
      assert.notStrictEqual(yield* derive(`${"y".repeat(50)}-a`), yield* derive(`${"y".repeat(50)}-b`))
    }))

  it.effect("purpose separates purchases of one business object", () =>
    Effect.gen(function*() {
      const base = yield* derive("order-1042", { prefix: "shop" })
      const topUp1 = yield* derive("order-1042", { prefix: "shop", purpose: "topup-1" })
      const topUp2 = yield* derive("order-1042", { prefix: "shop", purpose: "topup-2" })
      assert.strictEqual(new Set([base, topUp1, topUp2]).size, 3)
      // for hashed keys as well
      const long = "order-".repeat(20)
      const ids = [
        yield* derive(long),
        yield* derive(long, { purpose: "topup-1" }),
        yield* derive(long, { purpose: "topup-2" }),
        yield* derive(long, { purpose: "ünïcode purpose" })
      ]
      assert.strictEqual(new Set(ids).size, 4)
      // and for a readable key whose purpose makes it too long
      const near = "k".repeat(45)
      assert.notStrictEqual(yield* derive(near, { purpose: "topup-1" }), yield* derive(near, { purpose: "topup-2" }))
    }))

  it.effect("the prefix is optional and validated: 1 to 16 safe characters", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* derive("order-1042", { prefix: "" }), "order-1042")
      assert.strictEqual(yield* derive("order-1042", { prefix: "p".repeat(16) }), `${"p".repeat(16)}-order-1042`)
      for (const prefix of ["p".repeat(17), "my shop", "shop/eu", "shöp", "a\nb", " shop"]) {
        const message = invalid(yield* Effect.exit(derive("order-1042", { prefix })))
        assert.include(message, "prefix", prefix)
      }
    }))

  it.effect("an empty key is refused", () =>
    Effect.gen(function*() {
      assert.include(invalid(yield* Effect.exit(derive(""))), "empty")
      assert.include(invalid(yield* Effect.exit(derive("", { prefix: "shop", purpose: "x" }))), "empty")
    }))
})

describe("TransactionId.validate", () => {
  it.effect("accepts ids of 1 to 50 characters, unicode counted by code point", () =>
    Effect.gen(function*() {
      for (const id of ["a", "shop-order-1042", "x".repeat(50), "注文".repeat(25), "🚀".repeat(50), "a b"]) {
        assert.strictEqual(yield* TransactionId.validate(id), id)
      }
    }))

  it.effect("refuses an empty id", () =>
    Effect.gen(function*() {
      assert.include(invalid(yield* Effect.exit(TransactionId.validate(""))), "empty")
    }))

  it.effect("refuses 51 characters, saying how many", () =>
    Effect.gen(function*() {
      const message = invalid(yield* Effect.exit(TransactionId.validate("x".repeat(51))))
      assert.include(message, "50")
      assert.include(message, "51")
      invalid(yield* Effect.exit(TransactionId.validate("🚀".repeat(51))))
    }))

  it.effect("refuses control characters (C0, DEL and C1)", () =>
    Effect.gen(function*() {
      for (const id of ["a\u0000b", "a\nb", "a\rb", "a\tb", "a\u001fb", "a\u007fb", "a\u0085b", "a\u009fb"]) {
        assert.include(invalid(yield* Effect.exit(TransactionId.validate(id))), "control", JSON.stringify(id))
      }
    }))

  it.effect("refuses surrounding whitespace", () =>
    Effect.gen(function*() {
      for (const id of [" order", "order ", " order ", "\u00a0order", "order\u3000"]) {
        assert.include(invalid(yield* Effect.exit(TransactionId.validate(id))), "whitespace", JSON.stringify(id))
      }
    }))
})

describe("TransactionId schema", () => {
  it("decodes valid ids and rejects invalid ones with the reason", () => {
    const decode = Schema.decodeUnknownExit(TransactionId.TransactionId)
    assert.isTrue(Exit.isSuccess(decode("shop-order-1042")))
    for (const bad of ["", "x".repeat(51), "a\nb", " a", 42]) {
      assert.isTrue(Exit.isFailure(decode(bad)), JSON.stringify(bad))
    }
    const exit = decode("x".repeat(51))
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isFailure(exit)) assert.include(String(exit.cause), "at most 50 characters")
  })

  it("maxLength is 50", () => {
    assert.strictEqual(TransactionId.maxLength, 50)
  })
})
