/**
 * `rekindle restart <task>`: stop the task's session, snapshot its worktree, relaunch its agent
 * (resuming the conversation when its transcript validates). Asks first (or needs `--yes`).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { confirm } from "../shared/Confirm.ts"
import { withProgress } from "../shared/Progress.ts"
import { context, next } from "../Root.ts"
import { handOver } from "../shared/Control.ts"
import { interactive, startInBackground } from "../shared/Background.ts"
import { nextStep } from "../render/Next.ts"
import { target } from "../shared/Target.ts"
import { findTask } from "../shared/Attaching.ts"
import { batchFlag, taskArg, yesFlag } from "../shared/Args.ts"
import { reportResume } from "../shared/ReportResume.ts"

/** The `restart` command. */
export const restart = Command.make(
  "restart",
  { task: taskArg, batch: batchFlag, yes: yesFlag },
  Effect.fn("cli.restart")(function* ({ task, batch, yes }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const found = yield* findTask(t.state, task)
    // A restart without a usable worktree could only stop the session: refuse before asking.
    yield* t.run(Engine.requireWorktree(found))
    yield* confirm(ctx, {
      needed: true,
      yes,
      question: `restart task ${task} of batch ${t.batchId}? Its session is stopped, its work snapshotted, and its agent relaunched`,
      command: "restart",
      batchId: t.batchId
    })
    // A live supervisor restarts the task itself and keeps monitoring it: hand the request over.
    const handed = yield* handOver(ctx, t, { action: "restart", taskId: task }, 120_000)
    if (handed !== undefined) return
    const r = yield* withProgress(
      ctx,
      t.run,
      batchPaths(t.repoRoot, t.batchId).journal,
      `restart ${task}`,
      t.run(Engine.resume({ repoRoot: t.repoRoot, batchId: t.batchId }, { restart: task }))
    )
    yield* reportResume(ctx, r)
    // Nobody supervises the relaunched agent now (the batch had no live supervisor): on a terminal a
    // background supervisor takes the batch over, as \`run\` and \`resume\` would start one; otherwise
    // the exact command that does is printed.
    const ref = { repoRoot: t.repoRoot, batchId: t.batchId }
    const resumable = r.state.phase === "paused" || r.state.phase === "executing" || r.state.phase === "merging"
    if (!resumable) return yield* next(ctx, nextStep(r.state))
    if (interactive(ctx) && (yield* t.run(Engine.liveSupervisor(ref))) === undefined)
      return yield* startInBackground({
        argv: ["resume", t.batchId],
        repoRoot: t.repoRoot,
        batchId: t.batchId,
        socket: t.socket,
        run: t.run,
        attach: false
      })
    yield* next(
      ctx,
      `no supervisor watches ${task} now: \`rekindle resume ${t.batchId} --detached\` monitors it and continues the batch`
    )
  })
).pipe(
  Command.withShortDescription("Kill and relaunch one task's agent"),
  Command.withDescription(
    "Kill and relaunch one task's agent (its work is snapshotted first). Asks for confirmation; --yes when not on a terminal. " +
      "When a supervisor runs the batch, the restart is handed to it and this command waits for its answer."
  ),
  Command.withExamples([
    { command: "rekindle restart fix-login", description: "asks, then restarts task fix-login" },
    { command: "rekindle restart fix-login --batch b1 --yes", description: "no question (scripts, CI)" }
  ])
)
