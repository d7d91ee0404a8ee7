/**
 * 4. Streaming: 100,000 profiles through `Profiles.stream` (page size 500) from an in-memory `HttpClient` that
 * builds each page when it is asked for. The measured value is the peak *live* heap growth: the heap after a full GC
 * every 10,000 profiles during the run, over the heap after a full GC before it; it must stay under 64 MB and flat
 * from one sample to the next (what the stream holds, whatever the number of pages). Baseline: the same pages
 * fetched and decoded one by one with `Profiles.query` in a plain loop, each dropped before the next, measured the
 * same way. The details also give the peak heap with uncollected garbage included (sampled without forcing GC: it
 * follows V8's collection heuristics and the machine's load more than the code), and for scale the heap that
 * holding all 100,000 decoded profiles takes (`Profiles.queryAll`).
 */
import { DateTime, Effect, Layer, ManagedRuntime, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { readFileSync } from "node:fs"
import { EsimAccessConfig, Profiles } from "../src/index.ts"
import { fixed, gc, hasGc, median, quick, type Result, runs } from "./support.ts"

const total = 100_000
const pageSize = 500
const MB = 1024 * 1024

const template = (JSON.parse(
  readFileSync(new URL("../test/fixtures/esim_query.in_use.response.json", import.meta.url), "utf8")
) as { obj: { esimList: Array<Record<string, unknown>> } }).obj.esimList[0]!

/** profile `n` of the account: the fixture's profile with its own identifiers */
const profile = (n: number) => {
  const id = String(n).padStart(8, "0")
  return {
    ...template,
    esimTranNo: `2501${id}`,
    orderNo: `B2501${id}`,
    transactionId: `txn_bench_${id}`,
    iccid: `8900000000${id}17`,
    ac: `LPA:1$rsp.example.com$${id}${"0".repeat(24)}`,
    orderUsage: n % 3_221_225_472
  }
}

const heapUsed = () => process.memoryUsage().heapUsed

export const run = async (): Promise<Result> => {
  let peak = 0
  const sample = () => {
    const used = heapUsed()
    if (used > peak) peak = used
  }
  let requests = 0
  // answers esim/query pages from the requested pager, built on the fly
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      requests++
      const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : "{}"
      const { pager } = JSON.parse(body) as { pager: { pageNum: number; pageSize: number } }
      const from = (pager.pageNum - 1) * pager.pageSize
      const esimList = Array.from({ length: Math.max(0, Math.min(pager.pageSize, total - from)) }, (_, i) =>
        profile(from + i))
      const text = JSON.stringify({
        success: true,
        errorCode: "0",
        errorMsg: null,
        obj: { esimList, pager: { pageNum: pager.pageNum, pageSize: pager.pageSize, total } }
      })
      sample()
      return HttpClientResponse.fromWeb(
        request,
        new Response(text, { headers: { "content-type": "application/json" } })
      )
    })
  )
  const runtime = ManagedRuntime.make(Layer.mergeAll(
    Layer.succeed(HttpClient.HttpClient, client),
    EsimAccessConfig.layer({ accessCode: "bench-access-code", baseUrl: "http://stream.bench", rateLimit: false })
  ))
  const params = { startTime: DateTime.makeUnsafe("2025-01-01T00:00:00Z"), pageSize }

  // the live heap: after a full GC every 10,000 profiles, and its growth over the start
  const liveEvery = 10_000
  const streamedLive = async () => {
    gc()
    const start = heapUsed()
    const live: Array<number> = []
    let seen = 0
    const count = await runtime.runPromise(
      Profiles.stream(params).pipe(
        Stream.tap(() =>
          Effect.sync(() => {
            if (++seen % liveEvery === 0) {
              gc()
              live.push((heapUsed() - start) / MB)
            }
          })
        ),
        Stream.runCount
      )
    )
    if (count !== total) throw new Error(`streamed ${count} profiles`)
    return live
  }
  const pagesLive = async () => {
    gc()
    const start = heapUsed()
    let peakLive = 0
    let count = 0
    for (let pageNum = 1; pageNum <= Math.ceil(total / pageSize) + 1; pageNum++) {
      const { profiles } = await runtime.runPromise(Profiles.query({ ...params, pager: { pageNum, pageSize } }))
      count += profiles.length
      if (count % liveEvery === 0) {
        gc()
        peakLive = Math.max(peakLive, (heapUsed() - start) / MB)
      }
      if (profiles.length < pageSize) break
    }
    if (count !== total) throw new Error(`paged ${count} profiles`)
    return peakLive
  }

  // streamed: counted and dropped as they come
  const streamed = async () => {
    gc()
    const start = heapUsed()
    peak = start
    const started = performance.now()
    let seen = 0
    const count = await runtime.runPromise(
      Profiles.stream(params).pipe(
        Stream.tap(() =>
          Effect.sync(() => {
            if (++seen % 1000 === 0) sample()
          })
        ),
        Stream.runCount
      )
    )
    const seconds = (performance.now() - started) / 1000
    if (count !== total) throw new Error(`streamed ${count} profiles`)
    sample()
    gc()
    return { peak: (peak - start) / MB, after: (heapUsed() - start) / MB, seconds }
  }
  // baseline: the same pages, one `Profiles.query` after the other, each dropped
  const pages = async () => {
    gc()
    const start = heapUsed()
    peak = start
    let count = 0
    // bounded: never more pages than the total needs, plus the empty one that ends it
    for (let pageNum = 1; pageNum <= Math.ceil(total / pageSize) + 1; pageNum++) {
      const { profiles } = await runtime.runPromise(Profiles.query({ ...params, pager: { pageNum, pageSize } }))
      count += profiles.length
      sample()
      if (profiles.length < pageSize) break
    }
    if (count !== total) throw new Error(`paged ${count} profiles`)
    gc()
    return (peak - start) / MB
  }
  // for scale: all of them held at once
  const held = async () => {
    gc()
    const start = heapUsed()
    const all = await runtime.runPromise(Profiles.queryAll(params))
    gc()
    const size = (heapUsed() - start) / MB
    if (all.length !== total) throw new Error(`collected ${all.length} profiles`)
    return size
  }

  await streamed() // warm-up
  await pages()
  const count = quick ? 5 : runs
  const stream: Array<{ peak: number; after: number; seconds: number }> = []
  const paged: Array<number> = []
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      stream.push(await streamed())
      paged.push(await pages())
    } else {
      paged.push(await pages())
      stream.push(await streamed())
    }
  }
  const live: Array<ReadonlyArray<number>> = []
  const pagedLive: Array<number> = []
  for (let i = 0; i < count; i++) {
    live.push(await streamedLive())
    pagedLive.push(await pagesLive())
  }
  const holding = await held()
  await runtime.dispose()

  const peaks = live.map((samples) => Math.max(...samples))
  const value = median(peaks)
  const baseline = median(pagedLive)
  // flat: the last samples of a run are no higher than its first ones (within 2 MB)
  const drift = median(live.map((samples) => Math.max(...samples.slice(-3)) - Math.max(...samples.slice(0, 3))))
  const seconds = median(stream.map((s) => s.seconds))
  return {
    name: "4. streaming 100,000 profiles",
    value,
    baseline,
    unit: "MB",
    baselineLabel: "page loop",
    ratio: value / baseline,
    target: "live peak < 64 MB, flat",
    pass: value < 64 && drift < 2,
    runs: count,
    details: [
      `live heap growth after a full GC every ${liveEvery} profiles, peak per run: stream ${
        peaks.map((p) => fixed(p, 1)).join(", ")
      } MB, page loop ${pagedLive.map((p) => fixed(p, 1)).join(", ")} MB; drift from the first to the last ` +
      `samples of a run (median): ${fixed(drift, 2)} MB${hasGc ? "" : " (no --expose-gc: unreliable)"}`,
      `peak heap growth (garbage not yet collected included) per run: stream ${
        stream.map((s) => fixed(s.peak, 1)).join(", ")
      } MB, page loop ${paged.map((p) => fixed(p, 1)).join(", ")} MB; holding all 100,000 decoded profiles: ${
        fixed(holding, 1)
      } MB`,
      `retained after the stream and a full GC: ${stream.map((s) => fixed(s.after, 1)).join(", ")} MB${
        hasGc ? "" : " (no --expose-gc: unreliable)"
      }`,
      `${total} profiles in ${total / pageSize + 1} requests (the last page is empty) in ${fixed(seconds)} s, ` +
      `${fixed(total / seconds / 1000, 0)}k profiles/s; ${requests} requests over all runs`
    ]
  }
}
