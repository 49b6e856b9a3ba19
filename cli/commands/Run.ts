/**
 * `rekindle run <manifest>`: validate the manifest (every problem listed, E_INVALID_MANIFEST),
 * persist the batch, and run its waves — in this process (scripts, pipes, `--json`), or in a
 * background supervisor (`--detached`, or on a terminal, which then attaches to a running task).
 * The batch id is fixed here (manifest `options.batchId`, else a fresh one) so the background
 * supervisor's log and readiness refer to it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import type { BatchState } from "../../core/domain/State.ts"
import { Reported } from "../Exit.ts"
import { withProgress } from "../shared/Progress.ts"
import { context, emit, type Ctx, next } from "../Root.ts"
import { nextStep } from "../render/Next.ts"
import { reportCtrlC } from "../shared/Interrupted.ts"
import { asSupervisorFlag, superviseAsChild } from "../shared/BackgroundSupervisor.ts"
import { argPath, repoRootOf, runnerFor } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderRun } from "../render/Reports.ts"
import { RunOutput } from "../render/Shapes.ts"
import { interactive, startInBackground } from "../shared/Background.ts"
import { socketFromTmuxEnv } from "../shared/TmuxEnv.ts"

/** The run's socket: the manifest's `options.tmuxSocket`; `--socket` must agree with it. */
const socketOf = (ctx: Ctx, fromManifest: string | undefined) =>
  ctx.socket !== undefined && fromManifest !== undefined && ctx.socket !== fromManifest
    ? Effect.fail(
        Engine.fail(
          "E_USAGE",
          `--socket ${ctx.socket} contradicts the manifest's tmuxSocket ${fromManifest}`,
          "drop --socket, or change the manifest"
        )
      )
    : // Neither names one: the server this terminal is inside of (it is where tmux would launch), recorded.
      Effect.succeed(fromManifest ?? ctx.socket ?? socketFromTmuxEnv(ctx.env.env, process.getuid?.()))

/** Print a finished batch; anything but `completed` exits 1. */
const reportRun = (ctx: Ctx, s: BatchState) =>
  Effect.gen(function* () {
    const out = {
      batchId: s.batchId,
      phase: s.phase,
      tasks: s.tasks.map((t) => ({
        id: t.id,
        status: t.status,
        attempts: t.attempts,
        exitReason: t.exitReason ?? null
      }))
    }
    yield* emit(
      ctx,
      () => jsonDocument(RunOutput, out),
      () => renderRun(ctx.out, out)
    )
    yield* next(ctx, nextStep(s))
    if (s.phase !== "completed") return yield* new Reported({ exitCode: 1 })
  })

/** The `run` command. */
export const run = Command.make(
  "run",
  {
    manifest: Argument.String("manifest").pipe(
      Argument.withDescription("The manifest file (JSON; `rekindle schema manifest`)")
    ),
    detached: Flag.Boolean("detached").pipe(
      Flag.withDescription("Run the waves in a background supervisor; return once it runs"),
      Flag.withDefault(false)
    ),
    fresh: Flag.Boolean("new").pipe(
      Flag.withDescription("Start another batch even though this manifest has an unfinished one in the repo"),
      Flag.withDefault(false)
    ),
    batchId: Flag.String("batch-id").pipe(Flag.withHidden, Flag.optional),
    asSupervisor: asSupervisorFlag
  },
  Effect.fn("cli.run")(function* ({ manifest, detached, fresh, batchId, asSupervisor }) {
    const ctx = yield* context
    const repoRoot = yield* repoRootOf(ctx)
    const manifestPath = argPath(ctx, manifest)
    const first = runnerFor(ctx, ctx.socket)
    const read = yield* first(Engine.readManifest(manifestPath))
    const socket = yield* socketOf(ctx, read.manifest.options?.tmuxSocket)
    const id = Option.getOrUndefined(batchId) ?? read.manifest.options?.batchId ?? (yield* first(Engine.newBatchId))
    const on = runnerFor(ctx, socket)
    const work = withProgress(
      ctx,
      on,
      batchPaths(repoRoot, id).journal,
      `run ${id}`,
      on(
        Engine.run({
          repoRoot,
          manifestPath,
          batchId: id,
          allowNew: fresh,
          ...(socket === undefined ? {} : { tmuxSocket: socket })
        })
      )
    )
    if (asSupervisor) return yield* superviseAsChild(ctx, id, work)
    if (detached || interactive(ctx)) {
      const named =
        ctx.socket === undefined && socket !== undefined && read.manifest.options?.tmuxSocket === undefined
          ? ["--socket", socket]
          : []
      return yield* startInBackground({
        argv: ["run", manifestPath, "--batch-id", id, ...(fresh ? ["--new"] : []), ...named],
        repoRoot,
        batchId: id,
        socket,
        run: on,
        attach: !detached
      })
    }
    yield* reportRun(ctx, yield* reportCtrlC(ctx, on, { repoRoot, batchId: id })(work))
  })
).pipe(
  Command.withShortDescription("Start a batch from a manifest and run its waves"),
  Command.withDescription(
    "Start a batch from a manifest and run its waves: worktrees, one tmux session per task, merges per lane. " +
      "On a terminal a background supervisor runs it and you are attached to a running task; otherwise this process " +
      "supervises until the batch ends (exit 0 only when it completed)."
  ),
  Command.withExamples([
    { command: "rekindle run batch.json", description: "start and supervise" },
    { command: "rekindle run batch.json --detached", description: "start a background supervisor and return" },
    {
      command: "rekindle run batch.json --new",
      description: "start another batch of a manifest whose earlier batch is unfinished"
    }
  ])
)
