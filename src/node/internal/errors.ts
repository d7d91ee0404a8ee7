/**
 * How both command-line tools report a usage mistake or a typed error: one line on stderr, `error: <message>`, and
 * exit status 1 — never a stack trace.
 *
 * @internal
 */
import { Effect, Layer } from "effect"
import { CliError, CliOutput, TerminalCapabilities } from "effect/cli"

/** A failure the CLI prints as one line. */
export const userError = (userMessage: string, cause?: unknown) => new CliError.UserError({ cause, userMessage })

/**
 * Checks an integer flag's value against `min` to `max` (inclusive). Run in the handler rather than as a
 * `Flag.filter`, because a parse error makes effect/cli print the whole help text; this prints one line.
 */
export const checkInt = (
  flag: string,
  value: number,
  min: number,
  max?: number
): Effect.Effect<void, CliError.UserError> =>
  Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max) ?
    Effect.void :
    Effect.fail(
      userError(
        `--${flag} must be ${max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`}, got ${
          String(value)
        }`
      )
    )

/** Every check, in order; the first failure wins. */
export const checkAll = (
  checks: ReadonlyArray<Effect.Effect<void, CliError.UserError>>
): Effect.Effect<void, CliError.UserError> => Effect.forEach(checks, (check) => check, { discard: true })

/** The default formatter, except that an error is one line: `error: <message>`. */
export const formatter = Layer.effect(
  CliOutput.Formatter,
  Effect.gen(function*() {
    const { canColor } = yield* TerminalCapabilities.TerminalCapabilities
    return {
      ...CliOutput.defaultFormatter({ colors: canColor }),
      formatError: (error) => `error: ${error.message.replace(/\s*[\r\n]+\s*/g, " ")}`
    } satisfies CliOutput.Formatter
  })
)
