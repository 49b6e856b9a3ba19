/**
 * clean: end a batch's life. Under the batch's lease: stop every session rekindle owns for its tasks
 * (and any agent outliving them), snapshot every worktree that is dirty or not merged into the base
 * branch to `refs/rekindle/wip/<task>/…` (untracked files included), remove the worktrees, delete the
 * branches already merged (an unmerged branch is kept and reported: its work stays reachable), prune
 * git's records (a worktree rekindle did not make — an imported host's — is kept with its branch,
 * and only sessions carrying rekindle's tag are stopped) — then move the batch's state, journal and
 * logs to `.rekindle/.archive/<batch>/`, so the batch no longer counts as a batch of the repo. Every step is journaled; `dryRun` only plans.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { ownershipTag, rekindleMadeWorktree } from "../../domain/Naming.ts"
import type { PlanStep } from "../../domain/Plan.ts"
import type { BatchState } from "../../domain/State.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { applyPlan } from "../apply/ApplyPlan.ts"
import { fail } from "../support/Errors.ts"
import { batchPaths, stateRoot } from "../../domain/Layout.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"

/** What `clean` did, or (dry run) would do. */
export interface CleanReport {
  readonly batchId: string
  readonly dryRun: boolean
  readonly steps: ReadonlyArray<PlanStep>
  /** Where the state, journal and logs were moved (undefined for a dry run). */
  readonly archivedTo: string | undefined
}

/** Where a cleaned batch's files go: a name no batch id can take (ids never start with '.'). */
const archiveDir = (repoRoot: string, batchId: string, at: number): string =>
  `${stateRoot(repoRoot)}/.archive/${batchId}-${at}`

/** The steps that end `state`'s life, from what is there now. */
const cleanSteps = Effect.fn("Clean.cleanSteps")(function* (state: BatchState) {
  const git = yield* Worktrees
  const snap = yield* (yield* Tmux).snapshot
  const steps: Array<PlanStep> = []
  const tags = new Map(state.tasks.map((t) => [ownershipTag(state.batchId, t.id), t]))
  if (snap.state === "unknown") {
    return yield* fail(
      "E_TMUX_UNAVAILABLE",
      `tmux did not answer: ${snap.reason}`,
      "nothing was cleaned; check tmux with `rekindle doctor`, then clean again"
    )
  }
  const sessions = new Set<string>()
  for (const p of snap.state === "up" ? snap.panes : []) {
    const task = p.taskTag === undefined ? undefined : tags.get(p.taskTag)
    if (task === undefined || sessions.has(p.sessionName)) continue
    sessions.add(p.sessionName)
    steps.push({
      _tag: "StopSession",
      taskId: task.id,
      session: p.sessionName,
      attempt: task.attempts,
      reason: "clean: the batch ends"
    })
  }
  const listed = yield* git
    .list(state.repoRoot)
    .pipe(
      Effect.mapError((e) => fail("E_GIT_FAILED", `cannot list worktrees: ${e.message}`, "is this a git repository?"))
    )
  for (const t of state.tasks) {
    // An imported host's worktree and branch are the host's: reported, never removed nor deleted.
    if (t.worktree !== undefined && !rekindleMadeWorktree(state, t)) {
      steps.push({
        _tag: "Report",
        taskId: t.id,
        reason: `worktree ${t.worktree}${t.branch === undefined ? "" : ` and branch ${t.branch}`} belong to the host: kept`
      })
      continue
    }
    const w = listed.find((x) => x.path === t.worktree && !x.prunable)
    const exists =
      t.branch !== undefined &&
      (yield* git.branchExists(state.repoRoot, t.branch).pipe(Effect.orElseSucceed(() => false)))
    const merged =
      t.branch !== undefined &&
      exists &&
      (yield* git.isAncestor(state.repoRoot, t.branch, state.baseBranch).pipe(Effect.orElseSucceed(() => false)))
    if (w !== undefined && t.worktree !== undefined) {
      const dirty = yield* git.status(t.worktree).pipe(
        Effect.map((s) => s.dirty),
        Effect.orElseSucceed(() => true)
      )
      // What the worktree has checked out counts, not only its task branch: a HEAD moved elsewhere
      // (detached, another branch) holds commits the base branch may not have.
      const head = yield* git.revParse(t.worktree, "HEAD").pipe(Effect.option)
      const headMerged =
        head._tag === "Some" &&
        (yield* git.isAncestor(state.repoRoot, head.value, state.baseBranch).pipe(Effect.orElseSucceed(() => false)))
      const keep = dirty || !merged || !headMerged
      if (keep)
        steps.push({
          _tag: "SnapshotOrphan",
          path: t.worktree,
          label: t.id,
          reason: dirty ? "uncommitted work is kept as a ref" : "work not in the base branch is kept as a ref"
        })
      steps.push({
        _tag: "RemoveWorktree",
        path: t.worktree,
        ...(t.branch === undefined ? {} : { branch: t.branch }),
        afterSnapshot: keep,
        reason: "clean: the batch ends"
      })
    }
    if (t.branch === undefined) continue
    if (merged) steps.push({ _tag: "DeleteBranch", branch: t.branch, reason: "merged into the base branch" })
    else if (exists) {
      steps.push({
        _tag: "Report",
        taskId: t.id,
        reason: `branch ${t.branch} is not merged into ${state.baseBranch}: kept`
      })
    }
  }
  steps.push({ _tag: "PruneWorktrees", reason: "drop git's records of removed worktrees" })
  return steps
})

/** Options of {@link clean}. */
export interface CleanOptions {
  /** Only plan: the steps are returned, nothing is changed. */
  readonly dryRun: boolean
}

/** `rekindle clean [batch]`. */
export const clean = Effect.fn("Clean.clean")(function* (ref: BatchRef, options: CleanOptions) {
  const state = yield* loadState(ref)
  const paths = batchPaths(state.repoRoot, state.batchId)
  if (options.dryRun) {
    const report: CleanReport = {
      batchId: state.batchId,
      dryRun: true,
      steps: yield* cleanSteps(state),
      archivedTo: undefined
    }
    return report
  }
  const steps = yield* Effect.scoped(
    Effect.gen(function* () {
      // A live supervisor holds the lease: clean refuses (E_LOCKED) rather than pull the batch from under it.
      const lease = yield* withLease(paths.lease)
      const planned = yield* cleanSteps(state)
      yield* applyPlan(
        state,
        { batchId: state.batchId, steps: planned },
        { lease: { path: paths.lease, self: lease.self } }
      )
      return planned
    })
  )
  const fs = yield* FileSystem.FileSystem
  const to = archiveDir(state.repoRoot, state.batchId, yield* Clock.currentTimeMillis)
  yield* fs.makeDirectory(`${stateRoot(state.repoRoot)}/.archive`, { recursive: true, mode: 0o700 }).pipe(Effect.ignore)
  yield* fs
    .rename(paths.dir, to)
    .pipe(
      Effect.mapError((e) =>
        fail(
          "E_IO",
          `cannot archive ${paths.dir}: ${e.message}`,
          "everything else was cleaned; move the directory by hand"
        )
      )
    )
  const done: CleanReport = { batchId: state.batchId, dryRun: false, steps, archivedTo: to }
  return done
})
