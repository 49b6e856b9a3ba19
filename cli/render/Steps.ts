/**
 * One line per plan step, as a person reads it: what will happen, to what, and why. Pure; shared by
 * `plan`, `resume`, `restart` and `repair`.
 */
import * as Match from "effect/Match"
import type { PlanStep } from "../../core/domain/Plan.ts"
import type { Style } from "./Style.ts"

/** What a step does, without its reason. */
const stepAction = (step: PlanStep): string =>
  Match.valueTags(step, {
    StopSession: (s) => `stop session ${s.session}${s.taskId === undefined ? "" : ` (task ${s.taskId})`}`,
    SnapshotWip: (s) => `snapshot work in progress of ${s.taskId} to refs/rekindle/wip/${s.taskId}`,
    RelaunchAgent: (s) =>
      `relaunch ${s.taskId} (${s.mode === "resume" ? "resume conversation" : "fresh, with handoff"}) in ${s.session}, attempt ${s.attempt}`,
    Reattach: (s) => `reattach ${s.taskId} (${s.session})`,
    MarkTask: (s) => `mark ${s.taskId} ${s.status}`,
    Hold: (s) => `hold ${s.taskId}`,
    RetryMerge: (s) =>
      `retry the merge of wave ${s.wave + 1}${s.lanes.length === 0 ? "" : ` (lanes ${s.lanes.join(", ")})`}`,
    ContinueFromWave: (s) => `continue from wave ${s.wave + 1}`,
    RemoveWorktree: (s) => `remove worktree ${s.path}${s.afterSnapshot ? " (after its snapshot)" : ""}`,
    SnapshotOrphan: (s) => `snapshot orphan worktree ${s.path}`,
    DeleteBranch: (s) => `delete branch ${s.branch}`,
    PruneWorktrees: () => "git worktree prune",
    Report: (s) => `note${s.taskId === undefined ? "" : ` ${s.taskId}`}`
  })

/** Numbered step lines with reasons (dimmed). */
export const stepLines = (style: Style, steps: ReadonlyArray<PlanStep>, indent = "  "): ReadonlyArray<string> =>
  steps.map(
    (s, i) =>
      `${indent}${String(i + 1).padStart(String(steps.length).length)}. ${stepAction(s)}${style.dim(` — ${s.reason}`)}`
  )
