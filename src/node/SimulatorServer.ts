/**
 * The simulator as a real HTTP server on Node: `Simulator.serve` on `NodeHttpServer`. It speaks the wire of the
 * live API, so it can test any client, not only this one. Loopback (`127.0.0.1`) by default.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer } from "effect"
import { HttpServer, HttpServerError } from "effect/http"
import { createServer } from "node:http"
import * as Simulator from "../Simulator.ts"

/**
 * Options of {@link layer}: the simulator's options plus where to listen.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Simulator.Options {
  /** default 0: a free port, read it from {@link SimulatorServer} */
  readonly port?: number | undefined
  /** default `127.0.0.1` */
  readonly host?: string | undefined
}

/**
 * Where the server listens: use `url` as the client's base URL, with `accessCode`.
 *
 * @since 0.1.0
 * @category services
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Balance, EsimAccessConfig } from "effect-esim-access"
 * import { layer, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
 *
 * // the client over real HTTP, against the server on a free port
 * const program = Effect.gen(function*() {
 *   const { accessCode, url } = yield* SimulatorServer
 *   return yield* Balance.query().pipe(
 *     Effect.provide(Layer.merge(EsimAccessConfig.layer({ accessCode, baseUrl: url }), FetchHttpClient.layer))
 *   )
 * }).pipe(Effect.provide(layer({ port: 0, catalogue: "fixtures" })))
 * ```
 */
export class SimulatorServer extends Context.Service<SimulatorServer, {
  /** e.g. `http://127.0.0.1:4010` */
  readonly url: string
  readonly accessCode: string
}>()("effect-esim-access/node/SimulatorServer") {}

/**
 * The simulator served on Node, with its control service and its address. A `port` outside 0 to 65535 fails with
 * `ServeError`, as a port that is taken does.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SimulatorServer, layer } from "effect-esim-access/node/SimulatorServer"
 *
 * const program = Effect.gen(function*() {
 *   const { accessCode, url } = yield* SimulatorServer
 *   yield* Effect.log(`simulator on ${url}, access code ${accessCode}`)
 * }).pipe(Effect.provide(layer({ port: 4010 })))
 * ```
 */
export const layer = (
  options: Options = {}
): Layer.Layer<Simulator.Simulator | SimulatorServer, HttpServerError.ServeError> => {
  const { host, port, ...simulatorOptions } = options
  // Node's `listen` throws synchronously on a bad port (ERR_SOCKET_BAD_PORT): a typed ServeError instead of a defect
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    return Layer.effectContext(
      Effect.fail(
        new HttpServerError.ServeError({
          cause: new RangeError(`port must be an integer from 0 to 65535, got ${port}`)
        })
      )
    )
  }
  const address = Layer.effect(
    SimulatorServer,
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const simulator = yield* Simulator.Simulator
      return { url: HttpServer.formatAddress(server.address), accessCode: simulator.accessCode }
    })
  )
  return address.pipe(
    Layer.provideMerge(Simulator.serve(simulatorOptions)),
    Layer.provide(NodeHttpServer.layer(createServer, { port: port ?? 0, host: host ?? "127.0.0.1" }))
  )
}

/**
 * The Node form of `Simulator.serve({ port, host })`: the same as {@link layer}. The root module
 * (`effect-esim-access`) stays free of Node code, so its `Simulator.serve` needs an `HttpServer` from the context;
 * this one brings Node's (`NodeHttpServer` on `port`, default 0, and `host`, default `127.0.0.1`) and also provides
 * {@link SimulatorServer}, the address to point clients at.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Balance, EsimAccessConfig } from "effect-esim-access"
 * import { serve, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
 *
 * const program = Effect.gen(function*() {
 *   const { accessCode, url } = yield* SimulatorServer
 *   return yield* Balance.query().pipe(
 *     Effect.provide(Layer.merge(EsimAccessConfig.layer({ accessCode, baseUrl: url }), FetchHttpClient.layer))
 *   )
 * }).pipe(Effect.provide(serve({ port: 0, host: "127.0.0.1", balance: 500_000 })))
 * ```
 */
export const serve: (
  options?: Options
) => Layer.Layer<Simulator.Simulator | SimulatorServer, HttpServerError.ServeError> = layer
