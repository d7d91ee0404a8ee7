/**
 * How the user started the tool, so that a hint such as "look it up with `… profiles --order X`" names a command
 * that works for them: `npm run cli -- …` from an npm script, `npx effect-esim-access …`, the installed
 * `effect-esim-access` binary, or `node <path>/cli.ts …`. When none of these can be told, both usual forms.
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import { basename, dirname, extname, join, relative } from "node:path"

/** What the detection reads; the process's own by default (tests pass their own). */
export interface Invocation {
  readonly argv: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
}

const current = (): Invocation => ({ argv: process.argv, env: process.env, cwd: process.cwd() })

const binary = "effect-esim-access"

/** the main tool's script: its binary or `cli.ts` / `cli.js` */
const isMainScript = (name: string) => name === binary || /^cli\.[cm]?[jt]s$/.test(name)

/** the standalone simulator's script */
const isSimulatorScript = (name: string) => name === `${binary}-simulator` || /^simulator-cli\.[cm]?[jt]s$/.test(name)

/** an npm-style script that starts the main tool (and not the standalone simulator) */
const scriptRunsMain = (script: string) =>
  /(^|[\s/])(effect-esim-access|cli\.[cm]?[jt]s)(\s|$)/.test(script) &&
  !/simulator-cli|esim-access-simulator/.test(script)

const quote = (word: string) => (/^[\w./@:=+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)

/** `npm run <event> --`, or the pnpm / yarn form when one of them runs the script. */
const runScript = (event: string, agent: string) =>
  agent.startsWith("pnpm")
    ? `pnpm run ${quote(event)}`
    : agent.startsWith("yarn")
    ? `yarn ${quote(event)}`
    : `npm run ${quote(event)} --`

/** The name of a script of the package (`npm_package_json`) that runs the main tool, if there is one. */
const mainScriptOf = (packageJson: string | undefined): string | undefined => {
  if (packageJson === undefined || packageJson === "") return undefined
  try {
    const scripts: unknown = JSON.parse(readFileSync(packageJson, "utf8"))?.scripts
    if (typeof scripts !== "object" || scripts === null) return undefined
    return Object.entries(scripts).find(([, command]) => typeof command === "string" && scriptRunsMain(command))?.[0]
  } catch {
    return undefined
  }
}

/**
 * The words that start the main tool the way the user started this process, e.g. `npm run cli --`; `undefined`
 * when that cannot be told.
 */
export const mainCommand = (invocation: Invocation = current()): string | undefined => {
  const script = invocation.argv[1] ?? ""
  const name = basename(script)
  const event = invocation.env["npm_lifecycle_event"]
  const lifecycle = invocation.env["npm_lifecycle_script"] ?? ""
  const agent = invocation.env["npm_config_user_agent"] ?? ""
  if (isMainScript(name) && event !== undefined && event !== "" && scriptRunsMain(lifecycle)) {
    // `npx effect-esim-access …` runs as the pseudo-script "npx"
    if (event === "npx") return `npx ${binary}`
    return runScript(event, agent)
  }
  // the standalone simulator from a script of a package that also has a script for the main tool (this repository:
  // `npm run simulator`, then `npm run cli -- …`; its `node` may not be the one on the user's PATH)
  if (isSimulatorScript(name) && event !== undefined && event !== "" && event !== "npx") {
    const main = mainScriptOf(invocation.env["npm_package_json"])
    if (main !== undefined) return runScript(main, agent)
  }
  // the installed binaries (argv[1] keeps the name of the link in node_modules/.bin)
  if (name === binary || name === `${binary}-simulator`) return binary
  if (isMainScript(name)) return `node ${quote(relative(invocation.cwd, script) || script)}`
  if (isSimulatorScript(name) && name.startsWith("simulator-cli")) {
    // the main tool's script sits next to the simulator's
    const main = join(dirname(script), `cli${extname(name)}`)
    return `node ${quote(relative(invocation.cwd, main) || main)}`
  }
  return undefined
}

/**
 * A command line of the main tool for `rest` (e.g. `profiles --order B1`), as the user can run it: the form they
 * used, or, when that is not known, `effect-esim-access …` with the in-repository `npm run cli -- …` after it.
 */
export const hint = (rest: string, invocation: Invocation = current()): string => {
  const command = mainCommand(invocation)
  return command === undefined ? `${binary} ${rest} (or: npm run cli -- ${rest})` : `${command} ${rest}`
}
