/**
 * Starting a batch's supervisor in the background (`--detached`, or interactive `run` / `resume`)
 * and, when interactive, attaching to the first running task's session once it exists.
 */
import * as Effect from "effect/Effect"
import { loadState } from "../../core/engine/StateIO.ts"
import { context, emit, note, type Ctx } from "../Root.ts"
import { startSupervisor, supervisorLog } from "../Supervisor.ts"
import type { Runner } from "../Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderDetached } from "../render/Reports.ts"
import { DetachedOutput } from "../render/Shapes.ts"
import { attachNow, attachTarget } from "./Attaching.ts"

/** How long an interactive start waits for a task session to attach to. */
const ATTACH_TRIES = 20
const ATTACH_POLL_MS = 250

/** Whether this invocation may attach: terminals on stdin and stdout, no --json. */
export const interactive = (ctx: Ctx): boolean => !ctx.json && ctx.env.stdinIsTTY && ctx.env.stdoutIsTTY

/** Attach to the first running task that has a live session (waiting briefly for one). */
export const attachFirstRunning = Effect.fn("cli.attachFirstRunning")(function*(ctx: Ctx, run: Runner, repoRoot: string, batchId: string, socket: string | undefined) {
  for (let i = 0; i < ATTACH_TRIES; i++) {
    const state = yield* run(loadState({ repoRoot, batchId }))
    for (const task of state.tasks.filter((t) => t.status === "running")) {
      const found = yield* run(attachTarget(ctx, state, task, socket)).pipe(Effect.option)
      if (found._tag === "Some") {
        yield* note(ctx.err.dim(`attaching to ${task.id} (${found.value.session}); detach with C-b d — the batch goes on`))
        return yield* attachNow(ctx, found.value.argv)
      }
    }
    if (state.phase !== "executing" && state.phase !== "planning") break
    yield* Effect.sleep(ATTACH_POLL_MS)
  }
  yield* note(ctx.err.dim("no task session to attach to; look later with `rekindle attach <task>`"))
})

/** Start `rekindle <argv> --as-supervisor` for `batchId`, report it, and attach when asked. */
export const startInBackground = Effect.fn("cli.startInBackground")(function*(spec: {
  readonly argv: ReadonlyArray<string>
  readonly repoRoot: string
  readonly batchId: string
  readonly socket: string | undefined
  readonly run: Runner
  readonly attach: boolean
}) {
  const ctx = yield* context
  const s = yield* startSupervisor(ctx, spec.argv, supervisorLog(spec.repoRoot, spec.batchId))
  const out = { batchId: spec.batchId, running: s.running, supervisor: { pid: s.pid, log: s.log }, phase: s.phase ?? null }
  yield* emit(ctx, () => jsonDocument(DetachedOutput, out), () => renderDetached(ctx.out, out))
  if (spec.attach && s.running) yield* attachFirstRunning(ctx, spec.run, spec.repoRoot, spec.batchId, spec.socket)
})
