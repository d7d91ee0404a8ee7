import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { DataVolume, Money } from "effect-esim-access"

describe("Money (integer USD × 10,000)", () => {
  it("toDecimalString is exact and keeps at least cents", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [0, "0.00"],
      [1, "0.0001"],
      [100, "0.01"],
      [5000, "0.50"],
      [10000, "1.00"],
      [18000, "1.80"],
      [12345, "1.2345"],
      [12340, "1.234"],
      [940000, "94.00"],
      [-5000, "-0.50"],
      [-18000, "-1.80"],
      // beyond 2^32 and up to 2^53: no floating-point drift
      [123456789012345, "12345678901.2345"],
      [Number.MAX_SAFE_INTEGER, "900719925474.0991"]
    ]
    for (const [units, text] of cases) assert.strictEqual(Money.toDecimalString(units), text, String(units))
  })

  it("format adds the dollar sign after the minus", () => {
    assert.strictEqual(Money.format(18000), "$1.80")
    assert.strictEqual(Money.format(940000), "$94.00")
    assert.strictEqual(Money.format(12345), "$1.2345")
    assert.strictEqual(Money.format(-5000), "-$0.50")
    assert.strictEqual(Money.format(0), "$0.00")
  })

  it("fromDecimalString parses up to 4 decimals exactly", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["1.80", 18000],
      ["1.8", 18000],
      ["94", 940000],
      ["0.0001", 1],
      ["0.29", 2900], // 0.29 * 10000 is 2899.9999999999995 in floating point
      ["1.1", 11000],
      ["-0.5", -5000],
      [" 2.50 ", 25000],
      ["12345678901.2345", 123456789012345]
    ]
    for (const [text, units] of cases) {
      assert.deepStrictEqual(Money.fromDecimalString(text), Option.some(units), text)
    }
  })

  it("fromDecimalString rejects anything else", () => {
    for (
      const text of ["", "abc", "1.23456", "1,80", "$1.80", ".5", "1.", "1e3", "--1", "Infinity", "99999999999999"]
    ) {
      assert.isTrue(Option.isNone(Money.fromDecimalString(text)), text)
    }
  })

  it("round-trips every value through the decimal string", () => {
    for (const units of [0, 1, 99, 100, 18000, 12345, 57000, 999999, -1, -123456, 2 ** 40 + 3]) {
      assert.deepStrictEqual(Money.fromDecimalString(Money.toDecimalString(units)), Option.some(units), String(units))
    }
  })

  it("unitsPerDollar", () => {
    assert.strictEqual(Money.unitsPerDollar, 10_000)
  })
})

describe("DataVolume (bytes, binary units)", () => {
  it("format picks the largest binary unit with up to two decimals", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [0, "0 B"],
      [1023, "1023 B"],
      [1024, "1 KB"],
      [1536, "1.5 KB"],
      [524288000, "500 MB"],
      [1073741824, "1 GB"],
      [1453344832, "1.35 GB"],
      [3221225472, "3 GB"],
      [6442450944, "6 GB"],
      [1099511627776, "1 TB"],
      [2 ** 50, "1024 TB"]
    ]
    for (const [bytes, text] of cases) assert.strictEqual(DataVolume.format(bytes), text, String(bytes))
  })

  it("gigabytes and megabytes give exact byte counts", () => {
    assert.strictEqual(DataVolume.gigabytes(1), 1073741824)
    assert.strictEqual(DataVolume.gigabytes(3), 3221225472)
    assert.strictEqual(DataVolume.gigabytes(1.5), 1610612736)
    assert.strictEqual(DataVolume.gigabytes(0.1), 107374182)
    assert.strictEqual(DataVolume.megabytes(500), 524288000)
    assert.strictEqual(DataVolume.megabytes(1), 1048576)
    assert.isTrue(Number.isInteger(DataVolume.gigabytes(0.3)))
  })

  it("toMegabytes", () => {
    assert.strictEqual(DataVolume.toMegabytes(1572864), 1.5)
    assert.strictEqual(DataVolume.toMegabytes(524288000), 500)
    assert.strictEqual(DataVolume.toMegabytes(0), 0)
  })

  it("format of gigabytes(n) reads n GB", () => {
    for (const n of [1, 3, 5, 10, 20, 50]) assert.strictEqual(DataVolume.format(DataVolume.gigabytes(n)), `${n} GB`)
  })
})

describe("unit edge cases", () => {
  it("DataVolume rounds up across a unit boundary", () => {
    assert.strictEqual(DataVolume.format(1_048_575), "1 MB")
    assert.strictEqual(DataVolume.format(1023), "1023 B")
  })
  it("Money keeps every digit beyond 2^53", () => {
    assert.strictEqual(Money.toDecimalString(1e21), "100000000000000000.00")
  })
})
