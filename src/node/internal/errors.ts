/**
 * How both command-line tools report a usage mistake or a typed error: one line on stderr, `error: <message>`, and
 * exit status 1 — never a stack trace. A result that is not there yet (an order still being allocated) is one line
 * too, without `error:`, and its own exit status ({@link pendingExitCode}).
 *
 * @internal
 */
import { Effect, Layer, Option, Runtime, Schema } from "effect"
import { CliError, CliOutput, TerminalCapabilities } from "effect/cli"
import type { HelpDoc } from "effect/cli"

/** A failure the CLI prints as one line. */
export const userError = (userMessage: string, cause?: unknown) => new CliError.UserError({ cause, userMessage })

/**
 * The exit status of a command whose answer is not ready yet (`profiles --order` while the order is being
 * allocated): 75, `EX_TEMPFAIL` of sysexits.h, "try again later". Distinct from 1 (an error) and 0 (a result).
 */
export const pendingExitCode = 75

/** The answer is not ready yet: one line on stderr (no `error:` prefix), exit status {@link pendingExitCode}. */
export class Pending extends Schema.TaggedError<Pending>()("Pending", { line: Schema.String }) {
  override readonly [Runtime.errorExitCode] = pendingExitCode
  override get [CliError.userMessage](): string {
    return this.line
  }
}

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

/** A failure unless `ok`: for flags that cannot go together, checked before any request. */
export const check = (ok: boolean, message: string): Effect.Effect<void, CliError.UserError> =>
  ok ? Effect.void : Effect.fail(userError(message))

/** Every check, in order; the first failure wins. */
export const checkAll = (
  checks: ReadonlyArray<Effect.Effect<void, CliError.UserError>>
): Effect.Effect<void, CliError.UserError> => Effect.forEach(checks, (check) => check, { discard: true })

/** Whether `text` is an absolute http(s) URL. */
export const isHttpUrl = (text: string): boolean => {
  const url = URL.parse(text)
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
}

/** Help options of {@link makeFormatter}, by the command's path (`["tool", "sub"]`). */
export interface HelpOptions {
  readonly inherited?:
    | ((commandPath: ReadonlyArray<string>) => {
      /** inherited flags left out of the command's help (they do not apply to it) */
      readonly hide?: ReadonlyArray<string> | undefined
      /** inherited flags described otherwise in the command's help, by name */
      readonly describe?: Readonly<Record<string, string>> | undefined
    })
    | undefined
}

/**
 * A boolean flag never takes the next word as its value (`Flag.withOptionalValue("true")`, see the tools'
 * boolean flags); effect/cli then shows its type as `[=boolean]`. Shown as the plain switch it is.
 */
const plainSwitch = (
  flag: HelpDoc.FlagDoc
): HelpDoc.FlagDoc => (flag.type === "[=boolean]" ? { ...flag, type: "boolean" } : flag)

/** The default formatter, except that an error is one line (`error: <message>`) and the help tweaks above. */
export const makeFormatter = (options: HelpOptions = {}) =>
  Layer.effect(
    CliOutput.Formatter,
    Effect.gen(function*() {
      const { canColor } = yield* TerminalCapabilities.TerminalCapabilities
      const base = CliOutput.defaultFormatter({ colors: canColor })
      return {
        ...base,
        formatHelpDoc: (doc) => {
          const inherited = options.inherited?.(doc.commandPath ?? []) ?? {}
          const hidden = new Set(inherited.hide ?? [])
          const describe = (flag: HelpDoc.FlagDoc): HelpDoc.FlagDoc => {
            const text = inherited.describe?.[flag.name]
            return text === undefined ? flag : { ...flag, description: Option.some(text) }
          }
          return base.formatHelpDoc({
            ...doc,
            flags: doc.flags.map(plainSwitch),
            ...(doc.inheritedFlags === undefined ? {} : {
              inheritedFlags: doc.inheritedFlags.filter((flag) => !hidden.has(flag.name)).map((flag) =>
                describe(plainSwitch(flag))
              )
            })
          })
        },
        formatError: (error) => {
          const line = error.message.replace(/\s*[\r\n]+\s*/g, " ")
          return error instanceof CliError.UserError && error.cause instanceof Pending ? line : `error: ${line}`
        }
      } satisfies CliOutput.Formatter
    })
  )

/** {@link makeFormatter} with no help tweaks beyond the boolean switches. */
export const formatter = makeFormatter()
