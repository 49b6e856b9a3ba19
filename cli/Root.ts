/**
 * The root command and the flags every subcommand shares (`--json`, `--repo`, `--socket`), plus the
 * per-invocation context a handler builds from them: the services, and one {@link Style} per output
 * stream (colours only on a terminal, never with NO_COLOR).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { CliEnv, EngineLayer, type CliEnvShape, type EngineLayerShape } from "./Services.ts"
import { colorEnabled, makeStyle, type Style } from "./render/Style.ts"

const json = Flag.Boolean("json").pipe(
  Flag.withDescription(
    "Print exactly one JSON document on stdout (shapes: `rekindle schema <name>`); logs and progress go to stderr"
  ),
  Flag.withDefault(false)
)
const repo = Flag.String("repo").pipe(
  Flag.withDescription(
    "The git repository (default: the top level of the repository containing the current directory)"
  ),
  Flag.optional
)
const socket = Flag.String("socket").pipe(
  Flag.withDescription(
    "tmux socket name (`tmux -L`); default: the one recorded in the batch, else tmux's default server"
  ),
  Flag.optional
)

/** `rekindle` with its shared flags; subcommands read them with `yield* root`. */
export const root = Command.make("rekindle").pipe(
  Command.withSharedFlags({ json, repo, socket }),
  Command.withDescription(
    "rekindle: crash-safe recovery for tmux + git-worktree AI-agent batches. It reads the persisted batch state, " +
      "observes what is still alive, decides per task and carries out a recovery plan. " +
      "Exit codes: 0 success (also a declined confirmation), 1 operational failure, 2 usage error."
  )
)

/** Everything a handler needs about this invocation. */
export interface Ctx {
  readonly json: boolean
  readonly repo: string | undefined
  readonly socket: string | undefined
  readonly env: CliEnvShape
  readonly engine: EngineLayerShape
  /** Style for stdout (human documents). */
  readonly out: Style
  /** Style for stderr (errors, progress, prompts). */
  readonly err: Style
}

/** Build the context from the shared flags and the services. */
export const context = Effect.gen(function* () {
  const flags = yield* root
  const env = yield* CliEnv
  const engine = yield* EngineLayer
  return {
    json: flags.json,
    repo: Option.getOrUndefined(flags.repo),
    socket: Option.getOrUndefined(flags.socket),
    env,
    engine,
    out: makeStyle(colorEnabled(env.stdoutIsTTY, env.env)),
    err: makeStyle(colorEnabled(env.stderrIsTTY, env.env))
  } satisfies Ctx
})

/** Print the command's document: JSON (already encoded) or the human lines, on stdout. */
export const emit = (ctx: Ctx, json: () => string, text: () => ReadonlyArray<string>): Effect.Effect<void> =>
  Console.log(ctx.json ? json() : text().join("\n"))

/** An informational line on stderr (never pollutes stdout). */
export const note = (line: string): Effect.Effect<void> => Console.error(line)

/** The `next:` line after a command that leaves something to do (stderr; nothing when `line` is undefined). */
export const next = (ctx: Ctx, line: string | undefined): Effect.Effect<void> =>
  line === undefined ? Effect.void : Console.error(ctx.err.dim(`next: ${line}`))
