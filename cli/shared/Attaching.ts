/**
 * Finding a task's live session and the argv that attaches to it, shared by `attach` and by
 * `resume` (which attaches when interactive). Inside tmux on the same server the argv switches the
 * client instead of nesting a client.
 */
import * as Effect from "effect/Effect"
import { evidenceFor } from "../../core/domain/Evidence.ts"
import type { BatchState, Task } from "../../core/domain/State.ts"
import { fail } from "../../core/engine/support/Errors.ts"
import { observe } from "../../core/engine/support/Observe.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { type Ctx, next, note } from "../Root.ts"
import type { Runner } from "./Target.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { nextStep } from "../render/Next.ts"

/**
 * Whether this terminal is already a client of the tmux server on `socket`: `$TMUX` is
 * `<socket path>,<pid>,<session>` and the socket path ends in the socket name ("default" when none).
 */
export const insideServer = (tmuxEnv: string | undefined, socket: string | undefined): boolean => {
  if (tmuxEnv === undefined || tmuxEnv === "") return false
  const path = tmuxEnv.split(",")[0] ?? ""
  return path.slice(path.lastIndexOf("/") + 1) === (socket ?? "default")
}

/** The task, or E_TASK_NOT_FOUND listing the ids. */
export const findTask = (state: BatchState, taskId: string): Effect.Effect<Task, ReturnType<typeof fail>> => {
  const task = state.tasks.find((t) => t.id === taskId)
  return task === undefined
    ? Effect.fail(
        fail(
          "E_TASK_NOT_FOUND",
          `no task ${taskId} in batch ${state.batchId}`,
          `tasks: ${state.tasks.map((t) => t.id).join(", ")}`,
          { tasks: state.tasks.map((t) => t.id) }
        )
      )
    : Effect.succeed(task)
}

/** The live session of `task` and the argv attaching to it; E_TMUX_UNAVAILABLE when there is none. */
export const attachTarget = Effect.fn("cli.attachTarget")(function* (
  ctx: Ctx,
  state: BatchState,
  task: Task,
  socket: string | undefined
) {
  const signals = yield* observe(state)
  if (signals.tmux.state === "unknown") {
    return yield* fail(
      "E_TMUX_UNAVAILABLE",
      `cannot talk to tmux${socket === undefined ? "" : ` on socket ${socket}`}: ${signals.tmux.reason}`,
      "check tmux with `rekindle doctor`"
    )
  }
  const e = evidenceFor(state, task, signals)
  if (e.sessionName === undefined || e.session === "absent") {
    return yield* fail(
      "E_TMUX_UNAVAILABLE",
      `task ${task.id} has no live tmux session${signals.tmux.state === "no-server" ? " (no tmux server is running)" : ""}`,
      "`rekindle resume` relaunches it; `rekindle logs <task>` shows what it printed"
    )
  }
  const tmux = yield* Tmux
  const argv = tmux.attachCommand({ name: e.sessionName }, { insideTmux: insideServer(ctx.env.env["TMUX"], socket) })
  return { session: e.sessionName, argv }
})

/** Run the attach argv on this terminal; a failing tmux is E_TMUX_UNAVAILABLE. */
export const attachNow = Effect.fn("cli.attachNow")(function* (ctx: Ctx, argv: ReadonlyArray<string>) {
  // In the pane, keys belong to the agent: a Ctrl-C meant for rekindle would interrupt the agent.
  yield* note(ctx.err.yellow("in the session Ctrl-C goes to the agent (it may stop it); detach with C-b d"))
  const code = yield* ctx.env.interactive(argv)
  if (code !== 0) {
    return yield* fail(
      "E_TMUX_UNAVAILABLE",
      `${argv.join(" ")} exited with status ${code}`,
      "check tmux with `rekindle doctor`"
    )
  }
})

/** After an attach returns: the task's outcome so far in one line, and what to do next. */
export const afterAttach = Effect.fn("cli.afterAttach")(function* (
  ctx: Ctx,
  run: Runner,
  ref: { readonly repoRoot: string; readonly batchId: string },
  taskId: string
) {
  const state = yield* run(loadState(ref)).pipe(Effect.option)
  if (state._tag === "None") return
  const t = state.value.tasks.find((x) => x.id === taskId)
  if (t === undefined) return
  const running = t.status === "running" || t.status === "stalled"
  yield* note(
    `${taskId}: ${t.status} (attempt ${t.attempts})${t.exitReason === undefined || running ? "" : ` — ${t.exitReason}`} · batch ${state.value.batchId} ${state.value.phase}`
  )
  yield* next(
    ctx,
    running
      ? `\`rekindle attach ${taskId}\` looks again; \`rekindle status\` shows the batch`
      : (nextStep(state.value, true) ?? undefined)
  )
})
