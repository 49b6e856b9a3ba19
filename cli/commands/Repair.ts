/**
 * `rekindle repair [batch | --all]`: find what rekindle owns but no state knows (orphan sessions,
 * worktrees, branches) and state entries whose resources vanished, and deal with them safely
 * (snapshot before removal, never touch what rekindle does not own). `--dry-run` changes nothing.
 * Removals are confirmed first (or need `--yes`); the preview shown is a dry run of the same repair.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { confirm, decideConfirm } from "../shared/Confirm.ts"
import { withProgress } from "../shared/Progress.ts"
import { context, emit, type Ctx } from "../Root.ts"
import { repoRootOf, runnerFor, target } from "../shared/Target.ts"
import { jsonDocument, repairJson } from "../render/Json.ts"
import { renderRepair } from "../render/Reports.ts"
import { RepairOutput } from "../render/Shapes.ts"
import { stepLines } from "../render/Steps.ts"
import { batchArg, dryRunFlag, yesFlag } from "../shared/Args.ts"

/** Repo, the batch ref and the socket for `repair` (with `--all`: every batch, socket of the newest). */
const scope = Effect.fn("cli.repairScope")(function* (ctx: Ctx, batch: string | undefined, all: boolean) {
  if (!all) {
    const t = yield* target(ctx, batch)
    return {
      repoRoot: t.repoRoot,
      ref: { repoRoot: t.repoRoot, batchId: t.batchId },
      run: t.run,
      home: t.batchId as string | undefined
    }
  }
  const repoRoot = yield* repoRootOf(ctx)
  const first = runnerFor(ctx, ctx.socket)
  const batches = yield* first(Engine.listBatches(repoRoot))
  const home = batches[0]?.batchId
  const state = home === undefined ? undefined : yield* first(Engine.loadState({ repoRoot, batchId: home }))
  const socket = ctx.socket ?? state?.options?.tmuxSocket
  return { repoRoot, ref: { repoRoot }, run: runnerFor(ctx, socket), home }
})

const show = (ctx: Ctx, r: Engine.RepairReport, applied: boolean) =>
  emit(
    ctx,
    () => jsonDocument(RepairOutput, repairJson(r, applied)),
    () => renderRepair(ctx.out, r, applied)
  )

/** The `repair` command. */
export const repair = Command.make(
  "repair",
  {
    batch: batchArg,
    all: Flag.Boolean("all").pipe(
      Flag.withDescription("Every batch of the repo, and resources of batches whose state is gone"),
      Flag.withDefault(false)
    ),
    dryRun: dryRunFlag,
    yes: yesFlag
  },
  Effect.fn("cli.repair")(function* ({ batch, all, dryRun, yes }) {
    const ctx = yield* context
    if (all && Option.isSome(batch)) {
      return yield* Engine.fail(
        "E_USAGE",
        "give a batch or --all, not both",
        "`rekindle repair <batch>` or `rekindle repair --all`"
      )
    }
    const s = yield* scope(ctx, Option.getOrUndefined(batch), all)
    const preview = yield* s.run(Engine.repair(s.ref, { dryRun: true, all }))
    if (dryRun || preview.steps.length === 0) return yield* show(ctx, preview, false)
    const needed = preview.removals > 0
    if (decideConfirm({ needed, yes, stdinIsTTY: ctx.env.stdinIsTTY, stderrIsTTY: ctx.env.stderrIsTTY }) === "ask") {
      yield* Console.error(["repair would:", ...stepLines(ctx.err, preview.steps)].join("\n"))
    }
    yield* confirm(ctx, {
      needed,
      yes,
      question: `remove ${preview.removals} thing(s) rekindle owns (dirty or unmerged work is snapshotted first)?`,
      command: "repair",
      batchId: s.home
    })
    const act = s.run(Engine.repair(s.ref, { dryRun: false, all }))
    const done =
      s.home === undefined
        ? yield* act
        : yield* withProgress(ctx, s.run, batchPaths(s.repoRoot, s.home).journal, "repair", act)
    yield* show(ctx, done, true)
  })
).pipe(
  Command.withShortDescription("Clean up orphan sessions, worktrees and branches"),
  Command.withDescription(
    "Find orphan sessions, worktrees and branches rekindle owns, and state entries whose resources vanished; clean them up safely " +
      "(WIP snapshot before any removal). Removals ask first; --yes when not on a terminal."
  ),
  Command.withExamples([
    { command: "rekindle repair --dry-run", description: "list findings and the steps, change nothing" },
    { command: "rekindle repair --all --yes", description: "every batch of the repo, no question" }
  ])
)
