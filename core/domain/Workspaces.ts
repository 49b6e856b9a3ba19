/**
 * What a state must name for rekindle to carry its tasks on: the worktree a task is launched in and
 * the branch its lane is merged from. rekindle never invents either for a task it did not plan itself
 * (`rekindle run` plans both); a state that lacks one would be accepted and only fail later — a launch
 * refused with E_WORKTREE_MISSING, a merge paused for "no branch" — after other agents have run. So
 * import refuses it up front, every such task at once (core/import/Mapping.ts).
 *
 * The rule, from what the engine does with each task:
 * - **A pending task needs `worktree`**: the wave loop launches it there (waves/WaveLoop.ts
 *   `ensureWorktree`). rekindle creates the directory when it is absent — from the base branch, on
 *   the task's `branch` — which is how a task the host never allocated gets one (the taskplane adapter
 *   names rekindle's own path and branch for it, core/domain/Naming.ts `worktreeFor`/`branchFor`); it
 *   never picks a path itself.
 * - **A running or stalled task needs none**: its live agent is reconnected; a dead one is relaunched
 *   only in a present worktree, else marked failed — a decision the plan shows (Reconcile.ts), not a
 *   failure. Finished, skipped and blocked tasks are never launched again.
 * - **When rekindle merges** (merge policy `rekindle`, the default), every task whose work a merge still
 *   has to carry — pending, running, stalled, or succeeded while its lane's merge has not succeeded —
 *   needs a `branch`, its own or its lane's for its wave (apply/RepoSteps.ts `laneBranches`): without
 *   one its work is left out of the merge, or the merge fails and pauses the batch.
 */
import { laneOf, latestMerge } from "./Lanes.ts"
import { rekindleMerges, type BatchState, type Task } from "./State.ts"

/** Statuses whose work a lane merge may still have to carry (a lane merges once its tasks succeeded). */
const MERGE_BOUND: ReadonlySet<Task["status"]> = new Set(["pending", "running", "stalled", "succeeded"])

/**
 * Every task of `state` rekindle could not carry on for want of a worktree or a branch, one line each
 * (see the module comment for the rule); empty when there is none.
 */
export const workspaceProblems = (state: BatchState): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const waveOf = new Map(state.waves.flatMap((ids, w) => ids.map((id) => [id, w] as const)))
  const merges = rekindleMerges(state)
  for (const t of state.tasks) {
    if (t.status === "pending" && t.worktree === undefined)
      problems.push(
        `task "${t.id}" is pending but names no worktree: rekindle launches a task only in the worktree its state names (creating it on the task's branch when absent) and never picks a path itself; give it \`worktree\` (and \`branch\`)`
      )
    const wave = waveOf.get(t.id)
    if (!merges || wave === undefined || t.branch !== undefined || !MERGE_BOUND.has(t.status)) continue
    const lane = laneOf(t)
    if (state.lanes.some((l) => l.id === lane && l.wave === wave && l.branch !== undefined)) continue
    if (t.status === "succeeded" && latestMerge(state.merges, wave, lane)?.status === "succeeded") continue
    problems.push(
      `task "${t.id}" names no branch (nor does its lane "${lane}" in wave ${wave + 1}), but rekindle merges this batch's lanes (merge policy "rekindle"): its work could not be merged; give the task or its lane a \`branch\`, or set \`merge: "host"\` (you merge) or \`"never"\``
    )
  }
  return problems
}
