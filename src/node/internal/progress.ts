/**
 * Progress output for the command-line tool, always on stderr so stdout stays clean for tables and `--json`.
 * On a terminal: a spinner with the elapsed time, erased when the work ends. Elsewhere (pipes, CI, tests): one line
 * when the work starts and one line per `update`, so logs still show what the tool was waiting for.
 *
 * @internal
 */
import { Clock, Effect, Fiber, Schedule } from "effect"

/** What a running task can tell its indicator. */
export interface Progress {
  /** replaces the label (a terminal) or prints it as a new line (elsewhere) */
  readonly update: (label: string) => Effect.Effect<void>
}

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** true when stderr is a terminal that can redraw a line */
const animated = (): boolean => process.stderr.isTTY === true && process.env["TERM"] !== "dumb"

const write = (text: string) => Effect.sync(() => void process.stderr.write(text))

/**
 * One line on stderr while work may be in progress (e.g. a retry): on a terminal it first erases the spinner's
 * line, which the spinner redraws below it at its next frame.
 */
export const notice = (line: string): Effect.Effect<void> =>
  Effect.suspend(() => write(animated() ? `\r\x1b[2K${line}\n` : `${line}\n`))

/**
 * Runs `task` with a progress indicator labelled `label` (e.g. "Downloading the catalogue").
 */
export const withProgress = <A, E, R>(
  label: string,
  task: (progress: Progress) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    if (!animated()) {
      return write(`${label}…\n`).pipe(
        Effect.andThen(task({ update: (next) => write(`${next}\n`) }))
      )
    }
    let current = label
    return Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      let frame = 0
      const draw = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write(
          `\r\x1b[2K${frames[frame++ % frames.length]} ${current}… ${((now - start) / 1000).toFixed(1)}s`
        ))
      const spinner = yield* Effect.forkChild(Effect.repeat(draw, Schedule.spaced("80 millis")))
      return yield* task({ update: (next) => Effect.sync(() => void (current = next)) }).pipe(
        Effect.ensuring(Fiber.interrupt(spinner).pipe(Effect.andThen(write("\r\x1b[2K"))))
      )
    })
  })
