/**
 * repair: inventory what rekindle owns (panes tagged `@rekindle_task`, worktrees under
 * `.rekindle/worktrees/`, branches under `rekindle/`, refs under `refs/rekindle/`), find orphans and
 * vanished resources, and — unless it is a dry run — deal with them: a dirty or unmerged worktree is
 * snapshotted before removal, nothing rekindle does not own is touched, `git worktree prune` runs,
 * and every action is journaled. A dry run changes nothing at all.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { BRANCH_PREFIX } from "../../domain/Naming.ts"
import { findOrphans, type Inventory, type Orphan } from "../../domain/Orphans.ts"
import type { PlanStep } from "../../domain/Plan.ts"
import type { BatchState } from "../../domain/State.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { applyPlan } from "../apply/ApplyPlan.ts"
import { makeApplying } from "../apply/PlanContext.ts"
import { fail } from "../support/Errors.ts"
import { batchPaths, stateRoot } from "../../domain/Layout.ts"
import { listBatches, loadState, unreadableBatches, type BatchRef } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"

/** Options of {@link repair}. */
export interface RepairOptions {
  readonly dryRun: boolean
  /** Every batch of the repo (and resources of batches whose state is gone). */
  readonly all?: boolean
}

/** What repair found and (unless dry) did. */
export interface RepairReport {
  readonly batches: ReadonlyArray<string>
  readonly orphans: ReadonlyArray<Orphan>
  readonly steps: ReadonlyArray<PlanStep>
  readonly dryRun: boolean
  /** Steps that remove something (a confirmation is asked for these at the CLI). */
  readonly removals: number
}

/** Observe everything rekindle may own in the repo. */
const inventory = Effect.fn("Repair.inventory")(function* (repoRoot: string, states: ReadonlyArray<BatchState>) {
  const tmux = yield* Tmux
  const git = yield* Worktrees
  const gitFailed = (e: { readonly message: string }) =>
    fail("E_GIT_FAILED", `cannot list ${repoRoot}: ${e.message}`, "is this a git repository?")
  const [snapshot, listed, heads] = yield* Effect.all(
    [
      tmux.snapshot,
      git.list(repoRoot).pipe(Effect.mapError(gitFailed)),
      git.listRefs(repoRoot, `refs/heads/${BRANCH_PREFIX}`).pipe(Effect.mapError(gitFailed))
    ],
    { concurrency: "unbounded" }
  )
  const branches = heads.map((r) => r.ref.slice("refs/heads/".length))
  const baseOf = new Map(states.map((s) => [s.batchId, s.baseBranch]))
  const fallback = yield* git.currentBranch(repoRoot).pipe(Effect.orElseSucceed(() => "HEAD"))
  const baseFor = (branch: string) => baseOf.get(branch.slice(BRANCH_PREFIX.length).split("/")[0] ?? "") ?? fallback
  const merged = yield* Effect.filter(branches, (b) =>
    git.isAncestor(repoRoot, b, baseFor(b)).pipe(Effect.orElseSucceed(() => false))
  )
  // Dirty status only for worktrees repair may remove: rekindle's, recorded by no state or left
  // behind by a completed batch.
  const recorded = new Set(
    states.flatMap((s) =>
      s.phase === "completed" ? [] : s.tasks.flatMap((t) => (t.worktree === undefined ? [] : [t.worktree]))
    )
  )
  const worktrees = yield* Effect.forEach(listed, (w) =>
    w.path.includes("/.rekindle/worktrees/") && !recorded.has(w.path) && !w.prunable
      ? git.status(w.path).pipe(
          Effect.map((s) => ({ ...w, dirty: s.dirty })),
          Effect.orElseSucceed(() => w)
        )
      : Effect.succeed(w)
  )
  const inv: Inventory = { repoRoot, tmux: snapshot, worktrees, branches, merged }
  return { inventory: inv, baseFor }
})

/**
 * Where repair journals when no batch state is left: `.rekindle/.repair/` — a name no batch id can
 * take (ids never start with '.'), so it is never listed as a batch. Never saved as a state.
 */
const repairHome = (repoRoot: string) =>
  Effect.gen(function* () {
    const dir = `${stateRoot(repoRoot)}/.repair`
    yield* (yield* FileSystem.FileSystem)
      .makeDirectory(dir, { recursive: true, mode: 0o700 })
      .pipe(
        Effect.mapError((e) =>
          fail("E_IO", `cannot create ${dir}: ${e.message}`, "check permissions of the .rekindle directory")
        )
      )
    const now = yield* Clock.currentTimeMillis
    const branch = yield* (yield* Worktrees).currentBranch(repoRoot).pipe(Effect.orElseSucceed(() => "HEAD"))
    return {
      version: 1,
      batchId: ".repair",
      phase: "idle",
      repoRoot,
      baseBranch: branch,
      waves: [],
      tasks: [],
      lanes: [],
      merges: [],
      counters: {},
      errors: [],
      logCheckpoints: {},
      prompts: [],
      createdAt: now,
      updatedAt: now
    } satisfies BatchState
  })

/** Repair one batch, or all of them. */
export const repair = Effect.fn("Repair.repair")(function* (ref: BatchRef, options: RepairOptions) {
  if (options.all === true) {
    // A batch whose state cannot be read is not gone: its sessions and worktrees must not look orphaned.
    const broken = (yield* unreadableBatches(ref.repoRoot))[0]
    if (broken !== undefined) {
      return yield* fail(
        broken.error.code,
        `${broken.error.message} (repair --all never treats the resources of a batch it cannot read as orphans)`,
        broken.error.hint,
        broken.error.details
      )
    }
  }
  const states =
    options.all === true
      ? yield* Effect.forEach(yield* listBatches(ref.repoRoot), (b) =>
          loadState({ repoRoot: ref.repoRoot, batchId: b.batchId })
        )
      : [yield* loadState(ref)]
  const { inventory: inv, baseFor } = yield* inventory(ref.repoRoot, states)
  const orphans = findOrphans(states, inv, { scope: options.all === true ? "all" : "batches" })
  const steps = orphans.flatMap((o) => o.steps)
  const removals = steps.filter(
    (s) => s._tag === "RemoveWorktree" || s._tag === "StopSession" || s._tag === "DeleteBranch"
  ).length
  const report: RepairReport = {
    batches: states.map((s) => s.batchId),
    orphans,
    steps,
    dryRun: options.dryRun,
    removals
  }
  if (options.dryRun || steps.length === 0) return report
  // A completed batch's leftovers: finished under that batch's own lease and journal, and the tasks
  // whose worktree is gone recorded as archived (as the batch's end would have).
  for (const s of states) {
    const mine = orphans.filter((o) => o.kind === "leftover" && o.batchId === s.batchId)
    if (mine.length === 0) continue
    const paths = batchPaths(s.repoRoot, s.batchId)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const lease = yield* withLease(paths.lease)
        const result = yield* applyPlan(
          s,
          { batchId: s.batchId, steps: mine.flatMap((o) => o.steps) },
          { baseFor, lease: { path: paths.lease, self: lease.self } }
        )
        const gone = yield* (yield* Worktrees).pathStates(mine.flatMap((o) => (o.taskId === undefined ? [] : [o.name])))
        const now = yield* Clock.currentTimeMillis
        const ctx = yield* makeApplying(result.state)
        yield* ctx.update((x) => ({
          ...x,
          tasks: x.tasks.map((t) =>
            mine.some((o) => o.taskId === t.id) && t.worktree !== undefined && gone[t.worktree] === "missing"
              ? {
                  ...t,
                  worktreeArchived: true,
                  history: [...(t.history ?? []), { at: now, event: "cleanup", reason: "repair: worktree removed" }]
                }
              : t
          )
        }))
      })
    )
  }
  const rest = orphans.filter((o) => o.kind !== "leftover").flatMap((o) => o.steps)
  if (rest.length === 0) return report
  // Act under the lease of the batch the journal lives with (the first one); with no state left at
  // all (`repair --all` after `.rekindle/<batch>` was deleted), under repair's own journal and lease.
  const home = states[0] ?? (yield* repairHome(ref.repoRoot))
  const paths = batchPaths(home.repoRoot, home.batchId)
  yield* Effect.scoped(
    Effect.gen(function* () {
      const lease = yield* withLease(paths.lease)
      yield* applyPlan(
        home,
        { batchId: home.batchId, steps: rest },
        { baseFor, lease: { path: paths.lease, self: lease.self } }
      )
    })
  )
  return report
})
