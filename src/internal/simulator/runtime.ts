/**
 * The simulator's runtime around the pure state machine: one state, changed under a lock; before every read or
 * change the time-driven rules due by `Clock` are applied; the events of every change go to the webhook sender and
 * to the event log; a timer fiber sleeps (on `Clock`, so `TestClock` drives it) until the next rule is due.
 *
 * @internal
 */
import { Clock, Effect, Fiber, Result, Scope, Semaphore } from "effect"
import * as WebhookEvent from "../../WebhookEvent.ts"
import * as State from "./state.ts"
import type { Sender } from "./webhook.ts"

export interface Runtime {
  readonly config: State.Config
  /** Applies what is due, then `f`; commits the state and sends the events when `f` succeeds. */
  readonly transact: <A, E>(
    f: (state: State.State, now: number) => State.Outcome<A, E>
  ) => Effect.Effect<Result.Result<A, E>>
  /** Applies what is due, then reads. */
  readonly read: <A>(f: (state: State.State, now: number) => A) => Effect.Effect<A>
  /** Every event the simulator generated, delivered or not. */
  readonly events: Effect.Effect<ReadonlyArray<WebhookEvent.WebhookEvent>>
  readonly sender: Sender
}

const asOnTheWire = (event: WebhookEvent.WebhookEvent): Effect.Effect<WebhookEvent.WebhookEvent> =>
  WebhookEvent.encode(event).pipe(Effect.flatMap(WebhookEvent.decode), Effect.orElseSucceed(() => event))

export const make = (options: {
  readonly config: State.Config
  readonly initial: State.State
  readonly sender: Sender
}): Effect.Effect<Runtime, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const lock = yield* Semaphore.make(1)
    const config = options.config
    const sender = options.sender
    let state = options.initial
    const log: Array<WebhookEvent.WebhookEvent> = []
    let timer: { readonly at: number; readonly fiber: Fiber.Fiber<void> } | undefined

    const commit = (next: State.State, generated: ReadonlyArray<WebhookEvent.WebhookEvent>) =>
      Effect.gen(function*() {
        state = next
        // the log keeps each event as a receiver decodes it: the wire carries whole seconds (§4.1), the state millis
        const events = yield* Effect.forEach(generated, asOnTheWire)
        log.push(...events)
        yield* sender.send(next.webhook, events)
      })

    // runs under the lock
    const reschedule = (now: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        const at = State.nextDue(state)
        if (timer !== undefined && timer.at === at) return
        if (timer !== undefined) {
          const old = timer.fiber
          timer = undefined
          yield* Fiber.interrupt(old)
        }
        if (at === undefined) return
        const fiber = yield* Effect.forkIn(
          Effect.sleep(Math.max(0, at - now)).pipe(
            Effect.andThen(Effect.suspend(() => {
              // from here on this fiber is no longer the pending timer: a reschedule must not interrupt it
              timer = undefined
              return transact((s) => ({ state: s, events: [], result: Result.succeed(undefined) }))
            })),
            Effect.asVoid
          ),
          scope
        )
        timer = { at, fiber }
      })

    const transact = <A, E>(
      f: (state: State.State, now: number) => State.Outcome<A, E>
    ): Effect.Effect<Result.Result<A, E>> =>
      lock.withPermits(1)(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const due = State.advance(config, state, now)
        const outcome = f(due.state, now)
        // what `f` made due at once (e.g. a validity warning after `expireSoon`)
        const after = State.advance(config, outcome.state, now)
        yield* commit(after.state, [...due.events, ...outcome.events, ...after.events])
        yield* reschedule(now)
        return outcome.result
      }))

    const read = <A>(f: (state: State.State, now: number) => A): Effect.Effect<A> =>
      transact((s, now) => ({ state: s, events: [], result: Result.succeed(f(s, now)) })).pipe(
        Effect.map(Result.merge)
      )

    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() => (timer === undefined ? Effect.void : Fiber.interrupt(timer.fiber)))
    )

    return {
      config,
      transact,
      read,
      events: Effect.sync(() => [...log]),
      sender
    } satisfies Runtime
  })
