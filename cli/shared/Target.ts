/**
 * Which repo, batch and tmux socket a command acts on. The repo is `--repo` or the git top level of
 * the working directory; the batch is the named one, else the only / most recent unfinished one
 * (E_AMBIGUOUS_BATCH lists the candidates); the socket is `--socket`, else the one recorded in the
 * batch state (`options.tmuxSocket`), else tmux's default server. The state is read first (over a
 * socket-less layer) because the live layer is per socket.
 */
import * as Effect from "effect/Effect"
import type { BatchState } from "../../core/domain/State.ts"
import { fail, type EngineError } from "../../core/engine/support/Errors.ts"
import { socketProblem } from "../../adapters/tmux/TmuxArgs.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import type { Ctx } from "../Root.ts"
import type { EngineServices } from "../Services.ts"

/** Run engine effects over the services for one socket. */
export type Runner = <A, E>(effect: Effect.Effect<A, E, EngineServices>) => Effect.Effect<A, E | EngineError>

/** The batch a command acts on, with a runner bound to its socket. */
export interface Target {
  readonly repoRoot: string
  readonly batchId: string
  readonly state: BatchState
  readonly socket: string | undefined
  readonly run: Runner
}

/** A runner over the engine services for `socket` (an unusable socket name is E_USAGE). */
export const runnerFor =
  (ctx: Ctx, socket: string | undefined): Runner =>
  (effect) => {
    const problem = socket === undefined ? undefined : socketProblem(socket)
    return problem === undefined
      ? Effect.provide(effect, ctx.engine.forSocket(socket))
      : Effect.fail(fail("E_USAGE", problem, "a tmux socket name (`tmux -L`) is a plain file name: no `/`, not empty"))
  }

const absolute = (cwd: string, p: string): string => (p.startsWith("/") ? p : `${cwd.replace(/\/+$/, "")}/${p}`)

/** The repository root: the top level of `--repo`, or of the working directory. */
export const repoRootOf = (ctx: Ctx): Effect.Effect<string, EngineError> =>
  ctx.env.gitToplevel(ctx.repo === undefined ? ctx.env.cwd : absolute(ctx.env.cwd, ctx.repo))

/** Resolve repo, batch and socket for a command that acts on one batch. */
export const target = Effect.fn("cli.target")(function* (ctx: Ctx, batchId: string | undefined) {
  const repoRoot = yield* repoRootOf(ctx)
  const state = yield* runnerFor(
    ctx,
    ctx.socket
  )(loadState({ repoRoot, ...(batchId === undefined ? {} : { batchId }) }))
  const socket = ctx.socket ?? state.options?.tmuxSocket
  return { repoRoot, batchId: state.batchId, state, socket, run: runnerFor(ctx, socket) } satisfies Target
})

/** A path given on the command line, made absolute against the working directory. */
export const argPath = (ctx: Ctx, p: string): string => absolute(ctx.env.cwd, p)
