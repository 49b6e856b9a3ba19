/**
 * `rekindle resume [batch]`: take the supervisor lease, carry out the recovery plan and continue the
 * batch. `--dry-run` prints the plan and changes nothing. Three ways to run the waves: interactive
 * (stdin and stdout terminals, no `--json`): a background supervisor, then attach to the first
 * running task's session (switch-client inside tmux); `--detached`: a background supervisor, then
 * return; otherwise (scripts, pipes) this process supervises until the batch ends.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { withProgress } from "../shared/Progress.ts"
import { context, emit } from "../Root.ts"
import { reportCtrlC } from "../shared/Interrupted.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument, planJson } from "../render/Json.ts"
import { reportResume } from "../shared/ReportResume.ts"
import { renderPlan } from "../render/Plan.ts"
import { PlanOutput } from "../render/Shapes.ts"
import { asSupervisorFlag, superviseAsChild } from "../shared/BackgroundSupervisor.ts"
import { interactive, startInBackground } from "../shared/Background.ts"
import { batchArg, dryRunFlag, forceFlag } from "../shared/Args.ts"

/** The `resume` command. */
export const resume = Command.make(
  "resume",
  {
    batch: batchArg,
    force: forceFlag,
    detached: Flag.Boolean("detached").pipe(
      Flag.withDescription(
        "Hand recovery and the remaining waves to a background supervisor; return once it runs (never attach)"
      ),
      Flag.withDefault(false)
    ),
    dryRun: dryRunFlag,
    asSupervisor: asSupervisorFlag
  },
  Effect.fn("cli.resume")(function* ({ batch, force, detached, dryRun, asSupervisor }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const ref = { repoRoot: t.repoRoot, batchId: t.batchId }
    if (dryRun) {
      const report = yield* t.run(Engine.plan(ref, { force }))
      if (report.eligibility._tag === "Ineligible") {
        return yield* Engine.fail("E_NOT_RESUMABLE", report.eligibility.reason, report.eligibility.hint, {
          phase: report.eligibility.phase
        })
      }
      return yield* emit(
        ctx,
        () => jsonDocument(PlanOutput, planJson(report, "live")),
        () => [...renderPlan(ctx.out, report, "live"), ctx.out.dim("dry run: nothing was changed")]
      )
    }
    const work = withProgress(
      ctx,
      t.run,
      batchPaths(t.repoRoot, t.batchId).journal,
      "resume",
      t.run(Engine.resume(ref, { force }))
    )
    if (asSupervisor)
      return yield* superviseAsChild(
        ctx,
        t.batchId,
        Effect.map(work, (r) => r.state)
      )
    if (detached || interactive(ctx)) {
      return yield* startInBackground({
        argv: ["resume", t.batchId, ...(force ? ["--force"] : [])],
        repoRoot: t.repoRoot,
        batchId: t.batchId,
        socket: t.socket,
        run: t.run,
        attach: !detached
      })
    }
    yield* reportResume(ctx, yield* reportCtrlC(ctx, t.run, ref)(work))
  })
).pipe(
  Command.withShortDescription("Recover a crashed batch and continue its waves"),
  Command.withDescription(
    "Resume a crashed or paused batch: reconnect live agents, relaunch dead ones (resuming their conversation when possible), " +
      "mark finished ones, retry failed merges, then continue the waves. Takes the supervisor lease (E_LOCKED when another supervisor lives). " +
      "On a terminal the waves continue in a background supervisor and you are attached to a running task; " +
      "otherwise (pipes, --json) this process supervises until the batch ends; --detached always returns once the supervisor runs."
  ),
  Command.withExamples([
    { command: "rekindle resume --dry-run", description: "print the plan, change nothing" },
    { command: "rekindle resume --detached", description: "hand the batch to a background supervisor and return" },
    { command: "rekindle resume b1 --force", description: "continue a batch that was aborted" }
  ])
)
