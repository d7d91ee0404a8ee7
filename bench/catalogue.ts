/**
 * 1. Catalogue decode: the simulator's ~3,000-package catalogue through our full response path for
 * `Packages.list` (the real call, an in-memory `HttpClient` answering the prepared bytes, limiter off: response
 * text, JSON.parse, envelope, schema decode) versus `JSON.parse` alone on the same text. Target: at most 1.5x.
 */
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { EsimAccessConfig, Packages } from "../src/index.ts"
import * as Catalogue from "../src/internal/simulator/catalogue.ts"
import * as FastDecode from "../src/internal/wire/fastDecode.ts"
import { ListResponse } from "../src/internal/wire/packages.ts"
import { fixed, median, quick, type Result, runs, sideBySide, timeMillis } from "./support.ts"

export const run = async (): Promise<Result> => {
  const catalogue = Catalogue.make({ seed: 1, generate: true, packages: [] })
  const text = JSON.stringify({ success: true, errorCode: "0", errorMsg: null, obj: { packageList: catalogue.base } })
  const bytes = new TextEncoder().encode(text)

  // the answer is built per request from the prepared bytes, as a socket would deliver them
  const client = HttpClient.make((request) =>
    Effect.sync(() =>
      HttpClientResponse.fromWeb(request, new Response(bytes, { headers: { "content-type": "application/json" } }))
    )
  )
  const runtime = ManagedRuntime.make(Layer.mergeAll(
    Layer.succeed(HttpClient.HttpClient, client),
    EsimAccessConfig.layer({ accessCode: "bench-access-code", baseUrl: "http://catalogue.bench", rateLimit: false })
  ))
  const first = await runtime.runPromise(Packages.list())
  if (first.length !== catalogue.base.length) throw new Error(`decoded ${first.length} packages`)

  // one call per sample, each after a full GC: the latency of one catalogue answer, garbage collection included
  const count = quick ? runs : runs * 3
  const { baseline, measured } = await sideBySide({
    warmup: 5,
    count,
    baseline: () => timeMillis(1, () => JSON.parse(text)),
    measured: () => timeMillis(1, () => runtime.runPromise(Packages.list()))
  })

  // the decode step alone, before (Schema) and after (the fast path), in this run
  const obj = (JSON.parse(text) as { obj: unknown }).obj
  const schemaDecode = Schema.decodeUnknownSync(ListResponse)
  const fastDecode = FastDecode.compile(ListResponse, "json")
  const decodeOnly = await sideBySide({
    warmup: 3,
    count,
    baseline: () => timeMillis(1, () => schemaDecode(obj)),
    measured: () => timeMillis(1, () => fastDecode(obj))
  })
  await runtime.dispose()

  const value = median(measured)
  const parse = median(baseline)
  const schemaMs = median(decodeOnly.baseline)
  const fastMs = median(decodeOnly.measured)
  return {
    name: "1. catalogue decode (Packages.list)",
    value,
    baseline: parse,
    unit: "ms",
    baselineLabel: "JSON.parse",
    ratio: value / parse,
    target: "<= 1.5x",
    pass: value / parse <= 1.5,
    runs: count,
    details: [
      `${catalogue.base.length} packages, ${(bytes.length / 1e6).toFixed(2)} MB; one call per run, after a full GC`,
      `decode of obj alone: Schema ${fixed(schemaMs)} ms, fast path ${fixed(fastMs)} ms; ` +
      `the pipeline without the fast path would be about ${fixed((value - fastMs + schemaMs) / parse)}x JSON.parse`
    ]
  }
}
