/**
 * `rekindle clean [batch]`: end a batch's life — stop its sessions, snapshot every dirty or unmerged
 * worktree to `refs/rekindle/wip/…`, remove its worktrees and merged branches, and archive its state
 * under `.rekindle/.archive/`. `--dry-run` shows the steps and changes nothing; a terminal is asked,
 * otherwise `--yes` is required.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { confirm, decideConfirm } from "../shared/Confirm.ts"
import { context, emit, type Ctx } from "../Root.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderClean } from "../render/Reports.ts"
import { CleanOutput } from "../render/Shapes.ts"
import { stepLines } from "../render/Steps.ts"
import { batchArg, dryRunFlag, yesFlag } from "../shared/Args.ts"

const show = (ctx: Ctx, r: Engine.CleanReport) => {
  const doc: CleanOutput = {
    batchId: r.batchId,
    dryRun: r.dryRun,
    applied: !r.dryRun,
    steps: r.steps,
    archivedTo: r.archivedTo ?? null
  }
  return emit(
    ctx,
    () => jsonDocument(CleanOutput, doc),
    () => renderClean(ctx.out, doc)
  )
}

/** The `clean` command. */
export const clean = Command.make(
  "clean",
  { batch: batchArg, dryRun: dryRunFlag, yes: yesFlag },
  Effect.fn("cli.clean")(function* ({ batch, dryRun, yes }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const ref = { repoRoot: t.repoRoot, batchId: t.batchId }
    const preview = yield* t.run(Engine.clean(ref, { dryRun: true }))
    if (dryRun) return yield* show(ctx, preview)
    if (
      decideConfirm({ needed: true, yes, stdinIsTTY: ctx.env.stdinIsTTY, stderrIsTTY: ctx.env.stderrIsTTY }) === "ask"
    ) {
      yield* Console.error(["clean would:", ...stepLines(ctx.err, preview.steps)].join("\n"))
    }
    yield* confirm(ctx, {
      needed: true,
      yes,
      question: `end batch ${t.batchId}: stop its sessions, remove its worktrees (dirty or unmerged work is snapshotted first) and archive its state?`,
      command: "clean",
      batchId: t.batchId
    })
    yield* show(ctx, yield* t.run(Engine.clean(ref, { dryRun: false })))
  })
).pipe(
  Command.withShortDescription("End a batch: stop its sessions, remove its worktrees, archive its state"),
  Command.withDescription(
    "End a batch's life: stop its sessions, snapshot every dirty or unmerged worktree to refs/rekindle/wip/, remove its worktrees and " +
      "merged branches (unmerged branches are kept), and move its state, journal and logs to .rekindle/.archive/. Asks first; --yes when " +
      "not on a terminal; --dry-run changes nothing. Refused while a live supervisor runs the batch."
  ),
  Command.withExamples([
    { command: "rekindle clean --dry-run", description: "show what would be done" },
    { command: "rekindle clean b1 --yes", description: "end batch b1 without a question" }
  ])
)
