/**
 * Starting a batch's supervisor in the background (`--detached`, or interactive `run` / `resume`)
 * and, when interactive, attaching to the first running task's session once it exists.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { batchPaths } from "../../core/domain/Layout.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { context, emit, note, type Ctx } from "../Root.ts"
import { startSupervisor, supervisorLog } from "./BackgroundSupervisor.ts"
import type { Runner } from "./Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderDetached } from "../render/Reports.ts"
import { DetachedOutput } from "../render/Shapes.ts"
import { afterAttach, attachNow, attachTarget } from "./Attaching.ts"

/** How long an interactive start waits for a task session to attach to. */
const ATTACH_TRIES = 20
const ATTACH_POLL_MS = 250

/** Whether this invocation may attach: terminals on stdin and stdout, no --json. */
export const interactive = (ctx: Ctx): boolean => !ctx.json && ctx.env.stdinIsTTY && ctx.env.stdoutIsTTY

/** Attach to the first running task that has a live session (waiting briefly for one). */
const attachFirstRunning = Effect.fn("cli.attachFirstRunning")(function* (
  ctx: Ctx,
  run: Runner,
  repoRoot: string,
  batchId: string,
  socket: string | undefined
) {
  for (let i = 0; i < ATTACH_TRIES; i++) {
    const state = yield* run(loadState({ repoRoot, batchId }))
    for (const task of state.tasks.filter((t) => t.status === "running")) {
      const found = yield* run(attachTarget(ctx, state, task, socket)).pipe(Effect.option)
      if (found._tag === "Some") {
        yield* note(
          ctx.err.dim(`attaching to ${task.id} (${found.value.session}); detach with C-b d — the batch goes on`)
        )
        yield* attachNow(ctx, found.value.argv)
        return yield* afterAttach(ctx, run, { repoRoot, batchId }, task.id)
      }
    }
    if (state.phase !== "executing" && state.phase !== "planning") break
    yield* Effect.sleep(ATTACH_POLL_MS)
  }
  yield* note(ctx.err.dim("no task session to attach to; look later with `rekindle attach <task>`"))
})

/** Start `rekindle <argv> --as-supervisor` for `batchId`, report it, and attach when asked. */
export const startInBackground = Effect.fn("cli.startInBackground")(function* (spec: {
  readonly argv: ReadonlyArray<string>
  readonly repoRoot: string
  readonly batchId: string
  readonly socket: string | undefined
  readonly run: Runner
  readonly attach: boolean
}) {
  const ctx = yield* context
  const log = supervisorLog(spec.repoRoot, spec.batchId)
  // A supervisor refused before it saved a state (another unfinished batch of the manifest, say)
  // leaves only its log: nothing of that batch remains, or the next command would see a stray batch.
  const unlessSaved = spec
    .run(
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const dir = batchPaths(spec.repoRoot, spec.batchId)
        if (yield* fs.exists(dir.state).pipe(Effect.orElseSucceed(() => true))) return
        yield* fs.remove(log, { force: true })
        // Only when that leaves it empty: anything else in it is not ours to remove.
        if ((yield* fs.readDirectory(dir.dir)).length === 0) yield* fs.remove(dir.dir, { recursive: true })
      })
    )
    .pipe(Effect.ignore)
  const s = yield* startSupervisor(ctx, spec.argv, log).pipe(Effect.tapError(() => unlessSaved))
  const out = {
    batchId: spec.batchId,
    running: s.running,
    supervisor: { pid: s.pid, log: s.log },
    phase: s.phase ?? null
  }
  yield* emit(
    ctx,
    () => jsonDocument(DetachedOutput, out),
    () => renderDetached(ctx.out, out)
  )
  if (spec.attach && s.running) yield* attachFirstRunning(ctx, spec.run, spec.repoRoot, spec.batchId, spec.socket)
})
