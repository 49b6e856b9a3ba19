/**
 * Carrying out the repository steps of a plan: retried merges (never re-running tasks) and the
 * orphan clean-up of repair (snapshot, remove, delete merged branch, prune).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { stepKey, type PlanStep } from "../../domain/Plan.ts"
import { laneOf } from "../../domain/ResumePoint.ts"
import type { BatchState, MergeRecord } from "../../domain/State.ts"
import { Worktrees, type GitError } from "../../ports/Worktrees.ts"
import type { Applying } from "./PlanContext.ts"
import { crashPoint } from "./CrashPoints.ts"
import { fail, type EngineError } from "../support/Errors.ts"
import { journaled } from "./Journaled.ts"
import { hostMerge, type StepHandlers } from "./Handlers.ts"

type Step<T extends PlanStep["_tag"]> = Extract<PlanStep, { readonly _tag: T }>

/** What one lane merge came to (recorded in the ledger). */
type MergeOutcome =
  | { readonly status: "succeeded"; readonly commit: string }
  | { readonly status: "conflict" | "failed"; readonly reason: string }

const gitFailed = (what: string) => (e: GitError) =>
  fail(
    "E_GIT_FAILED",
    `${what}: ${e.message}`,
    e.reason === "Locked"
      ? "a git index.lock is in the way: remove it if no git command is running"
      : "inspect the repository, then retry"
  )

/** The branches carrying a lane's work in a wave: the lane's recorded branch, else its tasks' (in wave order). */
const laneBranches = (state: BatchState, wave: number, lane: string): ReadonlyArray<string> => {
  const recorded = state.lanes.find((l) => l.id === lane && l.wave === wave)?.branch
  if (recorded !== undefined) return [recorded]
  const byId = new Map(state.tasks.map((t) => [t.id, t]))
  return (state.waves[wave] ?? []).flatMap((id) => {
    const t = byId.get(id)
    return t !== undefined && laneOf(t) === lane && t.branch !== undefined ? [t.branch] : []
  })
}

/**
 * Merge one lane of a wave into the base branch. Journaled per (wave, lane, try) so a crash between
 * the merge commit and the ledger record is recognised (the branch is already contained) and the
 * merge is recorded, not made twice. Conflicts and failures are recorded, not thrown.
 */
export const mergeLane = (ctx: Applying, wave: number, lane: string, reason: string) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const git = yield* Worktrees
    const branches = laneBranches(state, wave, lane)
    const now = yield* Clock.currentTimeMillis
    const record = (r: Omit<MergeRecord, "wave" | "lane" | "at">) =>
      ctx.update((s) => ({ ...s, merges: [...s.merges, { wave, lane, at: now, ...r }] }))
    if (branches.length === 0) {
      yield* record({ status: "failed", reason: `no branch recorded for lane ${lane}` })
      return "failed" as const
    }
    const tries = state.merges.filter((m) => m.wave === wave && m.lane === lane).length
    const key = `${stepKey(state.batchId, { _tag: "RetryMerge", wave, lanes: [lane], reason })}:${lane}:${tries}`
    const outcome = yield* journaled({
      journal: ctx.paths.journal,
      key,
      kind: "merge",
      data: { wave, lane, branches, target: state.baseBranch },
      landed: Effect.gen(function* (): Effect.fn.Return<MergeOutcome | undefined, EngineError, Worktrees> {
        for (const branch of branches) {
          if (
            !(yield* git.isAncestor(state.repoRoot, branch, state.baseBranch).pipe(Effect.orElseSucceed(() => false)))
          )
            return undefined
        }
        const commit = yield* git
          .revParse(state.repoRoot, state.baseBranch)
          .pipe(Effect.mapError(gitFailed("cannot read the base branch")))
        return { status: "succeeded" as const, commit }
      }),
      // Each branch of the lane in turn; the first failure stops the lane (what merged stays merged).
      act: Effect.gen(function* (): Effect.fn.Return<MergeOutcome, never, Worktrees> {
        let commit = ""
        for (const branch of branches) {
          const r = yield* git
            .mergeInto(state.repoRoot, {
              source: branch,
              target: state.baseBranch,
              message: `rekindle: merge ${branch} (wave ${wave + 1}, lane ${lane})`,
              beforeAdvance: crashPoint("merge:before-advance")
            })
            .pipe(Effect.result)
          if (r._tag === "Failure") {
            return {
              status: r.failure.reason === "Conflict" ? ("conflict" as const) : ("failed" as const),
              reason: `${branch}: ${r.failure.message}`
            }
          }
          commit = r.success.commit
        }
        return { status: "succeeded" as const, commit }
      }),
      persist: (r) => Effect.asVoid(record(r))
    })
    if (outcome === "skipped") return "succeeded" as const
    return (yield* ctx.current).merges.at(-1)?.status ?? "failed"
  })

/** RetryMerge: merge every lane the step names (the host's way when it handles the step). */
export const retryMerge = (ctx: Applying, step: Step<"RetryMerge">, handlers: StepHandlers = {}) =>
  handlers.RetryMerge !== undefined
    ? hostMerge(ctx, step, handlers.RetryMerge)
    : Effect.forEach(step.lanes, (lane) => mergeLane(ctx, step.wave, lane, step.reason), { discard: true })

/** Orphan steps of repair. `baseFor` gives the branch a branch must be merged into to be deletable. */
export const orphanStep = (
  ctx: Applying,
  step: Step<"SnapshotOrphan" | "RemoveWorktree" | "DeleteBranch" | "PruneWorktrees">,
  snapshots: Map<string, string>,
  baseFor: (branch: string) => string
) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const git = yield* Worktrees
    const key = stepKey(state.batchId, step)
    const once = <A, E, R>(kind: string, act: Effect.Effect<A, E, R>) =>
      journaled({
        journal: ctx.paths.journal,
        key,
        kind,
        landed: Effect.succeed(undefined),
        act,
        persist: () => Effect.void
      })
    switch (step._tag) {
      case "SnapshotOrphan": {
        const snap = yield* git
          .snapshotWip(step.path, { task: step.label, label: "orphan" })
          .pipe(Effect.mapError(gitFailed(`cannot snapshot ${step.path}`)))
        snapshots.set(step.path, snap.ref)
        return
      }
      case "RemoveWorktree": {
        const ref = snapshots.get(step.path)
        if (step.afterSnapshot && ref === undefined) {
          return yield* fail(
            "E_GIT_FAILED",
            `refusing to remove ${step.path}: its snapshot was not taken`,
            "run repair again"
          )
        }
        // A re-run after a crash may find it already gone: that is the goal, not a failure.
        yield* once(
          "remove-worktree",
          git.remove(state.repoRoot, step.path, ref === undefined ? {} : { snapshotRef: ref }).pipe(
            Effect.catchIf(
              (e) => e.reason === "NotAWorktree",
              () => Effect.void
            ),
            Effect.mapError(gitFailed(`cannot remove worktree ${step.path}`))
          )
        )
        return
      }
      case "DeleteBranch":
        yield* once(
          "delete-branch",
          git.deleteBranch(state.repoRoot, step.branch, { mergedInto: baseFor(step.branch) }).pipe(
            Effect.catchIf(
              (e) => e.reason === "BranchMissing",
              () => Effect.void
            ),
            Effect.mapError(gitFailed(`cannot delete branch ${step.branch}`))
          )
        )
        return
      case "PruneWorktrees":
        yield* git.prune(state.repoRoot).pipe(Effect.mapError(gitFailed("git worktree prune failed")))
        return
    }
  })
