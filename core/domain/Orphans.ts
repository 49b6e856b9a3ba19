/**
 * findOrphans: what rekindle owns but no state knows (sessions tagged `@rekindle_task`, worktrees under
 * `.rekindle/worktrees/`, branches under `rekindle/`), and state entries whose resources vanished.
 * Each comes with safe proposed steps: a dirty or unmerged worktree is snapshotted before removal,
 * an unmerged branch is only reported. Nothing is proposed for what rekindle does not own.
 */
import * as Schema from "effect/Schema"
import {
  BRANCH_PREFIX,
  ownershipTag,
  parseOwnershipTag,
  parseWorktreePath,
  rekindleMadeWorktree,
  sessionNameFor
} from "./Naming.ts"
import { PlanStep } from "./Plan.ts"
import { TmuxStatus, WorktreeInfo } from "./Signals.ts"
import { TERMINAL_STATUSES, type BatchState } from "./State.ts"

/** Everything rekindle might own, as observed (repair's inventory). */
export const Inventory = Schema.Struct({
  repoRoot: Schema.String,
  tmux: TmuxStatus,
  worktrees: Schema.Array(WorktreeInfo),
  /** Local branch names (short form). */
  branches: Schema.Array(Schema.String),
  /** Branches (short form) already merged into the base branch; merged worktrees are removable bare. */
  merged: Schema.Array(Schema.String)
})
/** @see Inventory */
export type Inventory = typeof Inventory.Type

/** One orphan or vanished resource, with the steps that deal with it safely. */
export const Orphan = Schema.Struct({
  kind: Schema.Literals(["session", "worktree", "branch", "vanished-session", "vanished-worktree", "leftover"]),
  name: Schema.String,
  batchId: Schema.optionalKey(Schema.String),
  taskId: Schema.optionalKey(Schema.String),
  reason: Schema.String,
  steps: Schema.Array(PlanStep)
})
/** @see Orphan */
export type Orphan = typeof Orphan.Type

/**
 * Find orphans. With `scope: "batches"` only resources of the given batches are considered (another
 * batch's sessions are none of this repair's business); `scope: "all"` also claims resources whose
 * batch has no state at all.
 */
export const findOrphans = (
  states: ReadonlyArray<BatchState>,
  inventory: Inventory,
  options: { readonly scope: "batches" | "all" } = { scope: "batches" }
): ReadonlyArray<Orphan> => {
  const byBatch = new Map(states.map((s) => [s.batchId, s]))
  const inScope = (batchId: string) => byBatch.has(batchId) || options.scope === "all"
  const known = (batchId: string, taskId: string) => byBatch.get(batchId)?.tasks.some((t) => t.id === taskId) === true
  const out: Array<Orphan> = []

  // A tmux server is shared by every repo that uses it (the default server above all), and a tag
  // names a batch, not a repo: a session of a batch with no state here is this repo's only when the
  // repo still holds that batch's worktrees or branches — never another repo's live agent.
  const here = new Set<string>()
  for (const w of inventory.worktrees) {
    const o = parseWorktreePath(inventory.repoRoot, w.path)
    if (o !== undefined) here.add(o.batchId)
  }
  for (const b of inventory.branches)
    if (b.startsWith(BRANCH_PREFIX)) here.add(b.slice(BRANCH_PREFIX.length).split("/")[0] ?? "")
  const sessionInScope = (batchId: string) => byBatch.has(batchId) || (options.scope === "all" && here.has(batchId))

  if (inventory.tmux.state === "up") {
    const seen = new Set<string>()
    for (const pane of inventory.tmux.panes) {
      const owner = pane.taskTag === undefined ? undefined : parseOwnershipTag(pane.taskTag)
      if (owner === undefined || !sessionInScope(owner.batchId) || seen.has(pane.sessionName)) continue
      const task = byBatch.get(owner.batchId)?.tasks.find((t) => t.id === owner.taskId)
      if (task !== undefined && task.session === pane.sessionName) continue
      seen.add(pane.sessionName)
      const reason =
        task === undefined
          ? `tagged ${pane.taskTag} but no state knows that task`
          : `a stale duplicate session of task ${owner.taskId}`
      out.push({
        kind: "session",
        name: pane.sessionName,
        batchId: owner.batchId,
        taskId: owner.taskId,
        reason,
        steps: [{ _tag: "StopSession", taskId: owner.taskId, session: pane.sessionName, attempt: 0, reason }]
      })
    }
  }

  const recorded = new Set(
    states.flatMap((s) => s.tasks.flatMap((t) => (t.worktree === undefined ? [] : [t.worktree])))
  )
  const merged = new Set(inventory.merged)
  // Orphan worktrees removed below: the branch each one checks out is free once it is gone.
  const removedHere = new Set<string>()
  let prune = false
  for (const w of inventory.worktrees) {
    const owner = parseWorktreePath(inventory.repoRoot, w.path)
    if (owner === undefined || !inScope(owner.batchId) || recorded.has(w.path)) continue
    if (w.prunable) {
      prune = true
      continue
    }
    const reason = `worktree of ${owner.batchId}/${owner.taskId} that no state records`
    const clean = w.dirty === false && w.branch !== undefined && merged.has(w.branch)
    const steps: Array<PlanStep> = clean
      ? []
      : [
          {
            _tag: "SnapshotOrphan",
            path: w.path,
            label: `${owner.batchId}-${owner.taskId}`,
            reason: "dirty or unmerged work is kept as a ref before removal"
          }
        ]
    removedHere.add(w.path)
    steps.push({
      _tag: "RemoveWorktree",
      path: w.path,
      ...(w.branch === undefined ? {} : { branch: w.branch }),
      afterSnapshot: !clean,
      reason
    })
    out.push({ kind: "worktree", name: w.path, batchId: owner.batchId, taskId: owner.taskId, reason, steps })
  }
  if (prune)
    out.push({
      kind: "worktree",
      name: "(prunable)",
      reason: "worktree directories deleted by hand",
      steps: [{ _tag: "PruneWorktrees", reason: "drop git's records of deleted worktree directories" }]
    })

  const referenced = new Set(
    states.flatMap((s) => [
      ...s.tasks.flatMap((t) => (t.branch === undefined ? [] : [t.branch])),
      ...s.lanes.flatMap((l) => (l.branch === undefined ? [] : [l.branch]))
    ])
  )
  // A branch checked out by a worktree this repair removes is judged too (its step runs after the removal): one
  // `repair --all` after a state was deleted by hand left the batch's merged branches behind, unreported.
  const checkedOut = new Set(
    inventory.worktrees.flatMap((w) => (w.branch === undefined || removedHere.has(w.path) ? [] : [w.branch]))
  )
  for (const branch of inventory.branches) {
    if (!branch.startsWith(BRANCH_PREFIX) || referenced.has(branch) || checkedOut.has(branch)) continue
    const batchId = branch.slice(BRANCH_PREFIX.length).split("/")[0] ?? ""
    if (!inScope(batchId)) continue
    const isMerged = merged.has(branch)
    const reason = isMerged
      ? "merged branch that no state references"
      : "unmerged branch that no state references: kept (delete it by hand if unwanted)"
    out.push({
      kind: "branch",
      name: branch,
      batchId,
      reason,
      steps: isMerged
        ? [{ _tag: "DeleteBranch", branch, reason }]
        : [{ _tag: "Report", reason: `${branch}: ${reason}` }]
    })
  }

  for (const s of states) {
    if (s.phase === "completed") out.push(...leftoversOf(s, inventory))
    for (const t of s.tasks) {
      if (TERMINAL_STATUSES.includes(t.status) || !known(s.batchId, t.id)) continue
      if (
        inventory.tmux.state === "up" &&
        t.status === "running" &&
        t.session !== undefined &&
        !inventory.tmux.panes.some((p) => p.sessionName === t.session)
      ) {
        const reason = `session ${t.session} of running task ${t.id} vanished: resume will re-execute it`
        out.push({
          kind: "vanished-session",
          name: t.session,
          batchId: s.batchId,
          taskId: t.id,
          reason,
          steps: [{ _tag: "Report", taskId: t.id, reason }]
        })
      }
      if (
        t.worktree !== undefined &&
        t.worktreeArchived !== true &&
        t.attempts > 0 &&
        !inventory.worktrees.some((w) => w.path === t.worktree && !w.prunable)
      ) {
        const reason = `worktree ${t.worktree} of task ${t.id} vanished`
        out.push({
          kind: "vanished-worktree",
          name: t.worktree,
          batchId: s.batchId,
          taskId: t.id,
          reason,
          steps: [{ _tag: "Report", taskId: t.id, reason }]
        })
      }
    }
  }
  return out
}

/**
 * What a completed batch left behind when its end-of-batch cleanup did not run to its end (a crash,
 * or a state written by an older version): the worktree of a succeeded task not yet archived, and
 * the session still tagged for it. Repair finishes that cleanup the way the batch's end does it
 * (core/engine/waves/FinishBatch.ts): a worktree with local changes is kept, a branch is deleted only merged,
 * and a worktree rekindle did not make (an imported host's) is kept with its branch and the sessions
 * under the host's names: only a session rekindle made under its own name is closed.
 */
const leftoversOf = (s: BatchState, inventory: Inventory): ReadonlyArray<Orphan> => {
  const out: Array<Orphan> = []
  const merged = new Set(inventory.merged)
  for (const t of s.tasks) {
    if (t.status !== "succeeded" || t.worktree === undefined || t.worktreeArchived === true) continue
    // The host's worktree, branch and sessions under its names (an imported batch's) are left as they are.
    const host = !rekindleMadeWorktree(s, t)
    const listed = host ? undefined : inventory.worktrees.find((w) => w.path === t.worktree && !w.prunable)
    const tag = ownershipTag(s.batchId, t.id)
    const sessions =
      inventory.tmux.state === "up"
        ? [
            ...new Set(
              inventory.tmux.panes
                .filter((p) => p.taskTag === tag && (!host || p.sessionName === sessionNameFor(s.batchId, t.id)))
                .map((p) => p.sessionName)
            )
          ]
        : []
    const reason = `batch ${s.batchId} completed but the cleanup of task ${t.id} did not finish`
    const steps: Array<PlanStep> = sessions.map((session) => ({
      _tag: "StopSession",
      taskId: t.id,
      session,
      attempt: t.attempts,
      reason
    }))
    if (listed !== undefined) {
      // Work the merge did not take (local changes, untracked files) is kept as a ref first.
      const keep = listed.dirty !== false
      if (keep)
        steps.push({
          _tag: "SnapshotOrphan",
          path: t.worktree,
          label: t.id,
          reason: "local changes are kept as a ref before removal"
        })
      steps.push({
        _tag: "RemoveWorktree",
        path: t.worktree,
        ...(t.branch === undefined ? {} : { branch: t.branch }),
        afterSnapshot: keep,
        reason
      })
    }
    if (!host && t.branch !== undefined && inventory.branches.includes(t.branch)) {
      steps.push(
        merged.has(t.branch)
          ? { _tag: "DeleteBranch", branch: t.branch, reason: "merged into the base branch" }
          : { _tag: "Report", taskId: t.id, reason: `branch ${t.branch} is not merged: kept` }
      )
    }
    if (steps.length > 0)
      out.push({ kind: "leftover", name: t.worktree, batchId: s.batchId, taskId: t.id, reason, steps })
  }
  return out
}
