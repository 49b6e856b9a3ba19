/**
 * Running the CLI: parse argv with effect/cli, run the handler, and turn every ending into output
 * and an exit code — 0 success (also a declined confirmation), 1 operational failure, 2 usage error.
 * Errors are one line plus a hint on stderr, or `{ "error": { code, message, hint } }` on stdout
 * with `--json`; never a stack trace (REKINDLE_DEBUG=1 adds the cause of an internal error).
 * Help goes to stdout; usage errors are rendered here, not by effect/cli's presenter.
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { CliError, CliOutput, Command } from "effect/cli"
import type { EngineError } from "../core/engine/support/Errors.ts"
import { cli, VERSION } from "./Cli.ts"
import { Declined, reportDeclined } from "./shared/Confirm.ts"
import { exitCodeOf, Reported, type AnyCode } from "./Exit.ts"
import { CliEnv } from "./Services.ts"
import { errorJson, jsonDocument, jsonLine } from "./render/Json.ts"
import { renderError } from "./render/Reports.ts"
import { ErrorOutput } from "./render/Shapes.ts"
import { colorEnabled, makeStyle, type Style } from "./render/Style.ts"

interface Problem {
  readonly code: AnyCode
  readonly message: string
  readonly hint: string
  readonly details?: unknown
}

/** Help and version on stdout; invalid invocations are left to {@link runCli} (one line + hint). */
const presenter = (json: boolean): CliOutput.Presenter => ({
  present: (event) =>
    Effect.gen(function* () {
      const formatter = yield* CliOutput.Formatter
      if (event._tag === "Version") return yield* Console.log(formatter.formatVersion(event.name, event.version))
      if (event._tag === "Help" && !(json && event.reason === "Implicit"))
        return yield* Console.log(formatter.formatHelpDoc(event.helpDoc))
    })
})

const isEngineError = (e: unknown): e is EngineError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "EngineError"

/** What a failure of the command means to the user (undefined: nothing to print, exit 0). */
const classify = (e: unknown): Problem | "implicit-help" => {
  if (isEngineError(e))
    return {
      code: e.code,
      message: e.message,
      hint: e.hint,
      ...(e.details === undefined ? {} : { details: e.details })
    }
  const tag = typeof e === "object" && e !== null ? (e as { _tag?: unknown })._tag : undefined
  if (tag === "ShowHelp") {
    const { errors, commandPath } = e as {
      errors: ReadonlyArray<{ message: string }>
      commandPath: ReadonlyArray<string>
    }
    if (errors.length === 0) return "implicit-help"
    // effect/cli messages may carry suggestions on further lines: one line for the error, the rest in the hint.
    const lines = errors
      .flatMap((x) => x.message.split("\n"))
      .map((l) => l.trim())
      .filter((l) => l !== "")
    const [first = "invalid usage", ...rest] = lines
    const more = rest.length === 0 ? "" : `${rest.join(" ")} — `
    return { code: "E_USAGE", message: first, hint: `${more}see \`${commandPath.join(" ")} --help\`` }
  }
  if (CliError.isCliError(e)) return { code: "E_USAGE", message: e.message, hint: "see `rekindle --help`" }
  return {
    code: "E_INTERNAL",
    message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
    hint: "this is a bug in rekindle; please report it (REKINDLE_DEBUG=1 shows the details)"
  }
}

/** How errors are printed: human lines, a JSON document, or one JSON line (a background supervisor's readiness). */
type ErrorMode = "text" | "json" | "line"

const printProblem = (mode: ErrorMode, style: Style, p: Problem): Effect.Effect<number> =>
  Effect.as(
    mode === "text"
      ? Console.error(renderError(style, p).join("\n"))
      : mode === "json"
        ? Console.log(jsonDocument(ErrorOutput, errorJson(p)))
        : // The line for the waiting parent, the human lines for the supervisor's log.
          Effect.andThen(
            Console.log(jsonLine(ErrorOutput, errorJson(p))),
            Console.error(renderError(style, p).join("\n"))
          ),
    exitCodeOf(p.code)
  )

/** Map the command's ending to output and an exit code. */
const finish =
  (mode: ErrorMode, style: Style, debug: boolean) =>
  (exit: Exit.Exit<void, unknown>): Effect.Effect<number> => {
    const json = mode !== "text"
    if (Exit.isSuccess(exit)) return Effect.succeed(0)
    const cause = exit.cause
    if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(130)
    const failure = Cause.findErrorOption(cause)
    const error: unknown = failure._tag === "Some" ? failure.value : Cause.squash(cause)
    if (error instanceof Declined) return Effect.as(reportDeclined(json, style, error), 0)
    if (error instanceof Reported) return Effect.succeed(error.exitCode)
    const problem = classify(error)
    if (problem === "implicit-help") {
      return json
        ? printProblem(mode, style, { code: "E_USAGE", message: "no command given", hint: "see `rekindle --help`" })
        : Effect.succeed(0)
    }
    const trace = debug && problem.code === "E_INTERNAL" ? Console.error(Cause.pretty(cause)) : Effect.void
    return Effect.andThen(trace, printProblem(mode, style, problem))
  }

/** Run `rekindle <argv>` and return its exit code (never fails). */
export const runCli = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const env = yield* CliEnv
    const json = argv.includes("--json")
    // A background supervisor must answer with one line even when it fails before its work starts.
    const mode: ErrorMode = argv.includes("--as-supervisor") ? "line" : json ? "json" : "text"
    const style = makeStyle(colorEnabled(env.stderrIsTTY, env.env))
    const exit = yield* Command.runWith(cli, { version: VERSION })(argv).pipe(
      Effect.provideService(CliOutput.Presenter, presenter(json)),
      Effect.provideService(
        CliOutput.Formatter,
        CliOutput.defaultFormatter({ colors: colorEnabled(env.stdoutIsTTY, env.env) })
      ),
      Effect.exit
    )
    return yield* finish(mode, style, (env.env["REKINDLE_DEBUG"] ?? "") !== "")(exit)
  })
