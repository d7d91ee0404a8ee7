/**
 * The simulator server of the rate-limit benchmark, in a process of its own (as the real API is remote, its event
 * loop is not the client's): 8 requests per sliding second, every request delayed 50 ms. Sends
 * `{ url, accessCode }` to the parent once listening on 127.0.0.1, and exits when the parent disconnects.
 */
import { Effect, ManagedRuntime } from "effect"
import { Simulator } from "../src/index.ts"
import * as SimulatorServer from "../src/node/SimulatorServer.ts"

const runtime = ManagedRuntime.make(
  SimulatorServer.layer({
    host: "127.0.0.1",
    port: 0,
    rateLimit: { limit: 8, window: "1 second" },
    catalogue: "fixtures"
  })
)
const { accessCode, url } = await runtime.runPromise(Effect.service(SimulatorServer.SimulatorServer))
await runtime.runPromise(
  Effect.flatMap(
    Effect.service(Simulator.Simulator),
    (simulator) => simulator.injectFault({ _tag: "Latency", duration: "50 millis" }, { times: Infinity })
  )
)
process.on("disconnect", () => {
  void runtime.dispose().finally(() => process.exit(0))
})
process.send?.({ url, accessCode })
