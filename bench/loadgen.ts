/**
 * The webhook load generator, run in a worker thread (so it does not share the servers' event loop): `connections`
 * keep-alive connections, each POSTing the given bodies round-robin, one request at a time, until `count` requests
 * are answered or `maxMillis` pass. Posts back `{ answered, ok, millis }`.
 */
import { Agent, request } from "node:http"
import { parentPort, workerData } from "node:worker_threads"

interface Job {
  readonly url: string
  readonly bodies: ReadonlyArray<string>
  readonly connections: number
  readonly count: number
  readonly maxMillis: number
}

const job = workerData as Job
const agent = new Agent({ keepAlive: true, maxSockets: job.connections })
const target = new URL(job.url)
const bodies = job.bodies.map((body) => Buffer.from(body))

const post = (body: Buffer) =>
  new Promise<number>((resolve, reject) => {
    const req = request({
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": body.length }
    }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

let sent = 0
let answered = 0
let ok = 0
const started = performance.now()
const deadline = started + job.maxMillis

const connection = async () => {
  while (sent < job.count && performance.now() < deadline) {
    const body = bodies[sent % bodies.length]!
    sent++
    const status = await post(body)
    answered++
    if (status === 200) ok++
  }
}

await Promise.all(Array.from({ length: job.connections }, connection))
const millis = performance.now() - started
agent.destroy()
parentPort?.postMessage({ answered, ok, millis })
