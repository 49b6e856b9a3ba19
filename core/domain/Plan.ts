/**
 * The recovery plan: an ordered list of tagged steps. It is data — `rekindle plan` prints it, `--json`
 * emits it, the engine executes exactly it, and an embedding orchestrator may execute it itself.
 */
import * as Match from "effect/Match"
import * as Schema from "effect/Schema"
import { BatchId, Count, TaskId } from "./Ids.ts"
import { TaskStatus } from "./State.ts"

/** Stop (kill) a tmux session rekindle owns. */
export const StopSession = Schema.TaggedStruct("StopSession", {
  taskId: Schema.optionalKey(TaskId),
  session: Schema.String,
  /** The task's attempt the stale session belonged to (part of the idempotency key). */
  attempt: Count,
  reason: Schema.String
})
/** Commit the whole worktree (untracked included) to `refs/rekindle/wip/<task>/<n>` without touching it. */
export const SnapshotWip = Schema.TaggedStruct("SnapshotWip", {
  taskId: TaskId,
  worktree: Schema.String,
  attempt: Count,
  reason: Schema.String
})
/** Start the task's agent again in its worktree, resuming its conversation or fresh with a handoff. */
export const RelaunchAgent = Schema.TaggedStruct("RelaunchAgent", {
  taskId: TaskId,
  mode: Schema.Literals(["resume", "fresh"]),
  session: Schema.String,
  worktree: Schema.String,
  conversationId: Schema.optionalKey(Schema.String),
  /** The attempt number this launch will be (persisted attempts + 1). */
  attempt: Count,
  reason: Schema.String
})
/** Re-attach supervision (log tail, status line, monitor) to a live agent. */
export const Reattach = Schema.TaggedStruct("Reattach", {
  taskId: TaskId,
  session: Schema.String,
  reason: Schema.String
})
/** Record a task's status in state. */
export const MarkTask = Schema.TaggedStruct("MarkTask", {
  taskId: TaskId,
  status: TaskStatus,
  reason: Schema.String,
  /** The exit status of an agent that exited on its own, recorded on the task. */
  exitStatus: Schema.optionalKey(Schema.Finite.check(Schema.isInt()))
})
/** Do nothing destructive to a task now; report why. */
export const Hold = Schema.TaggedStruct("Hold", {
  taskId: TaskId,
  reason: Schema.String
})
/** Merge a finished wave's lane branches again (its tasks are never re-run). */
export const RetryMerge = Schema.TaggedStruct("RetryMerge", {
  wave: Count,
  lanes: Schema.Array(Schema.String),
  reason: Schema.String
})
/** Hand the batch to the wave executor from this wave on. */
export const ContinueFromWave = Schema.TaggedStruct("ContinueFromWave", {
  wave: Count,
  reason: Schema.String
})
/** Remove a worktree rekindle owns (only after a snapshot when it is dirty or unmerged). */
export const RemoveWorktree = Schema.TaggedStruct("RemoveWorktree", {
  path: Schema.String,
  branch: Schema.optionalKey(Schema.String),
  /** The snapshot step that must have succeeded first, when one was needed. */
  afterSnapshot: Schema.Boolean,
  reason: Schema.String
})
/** Snapshot an orphan worktree that is not tied to a task in state. */
export const SnapshotOrphan = Schema.TaggedStruct("SnapshotOrphan", {
  path: Schema.String,
  /** The ref name segment used instead of a task id. */
  label: Schema.String,
  reason: Schema.String
})
/** Delete a branch rekindle owns, only when merged. */
export const DeleteBranch = Schema.TaggedStruct("DeleteBranch", {
  branch: Schema.String,
  reason: Schema.String
})
/** `git worktree prune`. */
export const PruneWorktrees = Schema.TaggedStruct("PruneWorktrees", { reason: Schema.String })
/** Nothing to do but tell the user (a state entry whose resource vanished, say). */
export const Report = Schema.TaggedStruct("Report", {
  taskId: Schema.optionalKey(TaskId),
  reason: Schema.String
})

/** One plan step. */
export const PlanStep = Schema.Union([
  StopSession,
  SnapshotWip,
  RelaunchAgent,
  Reattach,
  MarkTask,
  Hold,
  RetryMerge,
  ContinueFromWave,
  RemoveWorktree,
  SnapshotOrphan,
  DeleteBranch,
  PruneWorktrees,
  Report
])
/** @see PlanStep — a union of named step types, so hovers and declarations name each step. */
export type PlanStep =
  | StopSession
  | SnapshotWip
  | RelaunchAgent
  | Reattach
  | MarkTask
  | Hold
  | RetryMerge
  | ContinueFromWave
  | RemoveWorktree
  | SnapshotOrphan
  | DeleteBranch
  | PruneWorktrees
  | Report
/** @see StopSession */
export interface StopSession extends Schema.Schema.Type<typeof StopSession> {}
/** @see SnapshotWip */
export interface SnapshotWip extends Schema.Schema.Type<typeof SnapshotWip> {}
/** @see RelaunchAgent */
export interface RelaunchAgent extends Schema.Schema.Type<typeof RelaunchAgent> {}
/** @see Reattach */
export interface Reattach extends Schema.Schema.Type<typeof Reattach> {}
/** @see MarkTask */
export interface MarkTask extends Schema.Schema.Type<typeof MarkTask> {}
/** @see Hold */
export interface Hold extends Schema.Schema.Type<typeof Hold> {}
/** @see RetryMerge */
export interface RetryMerge extends Schema.Schema.Type<typeof RetryMerge> {}
/** @see ContinueFromWave */
export interface ContinueFromWave extends Schema.Schema.Type<typeof ContinueFromWave> {}
/** @see RemoveWorktree */
export interface RemoveWorktree extends Schema.Schema.Type<typeof RemoveWorktree> {}
/** @see SnapshotOrphan */
export interface SnapshotOrphan extends Schema.Schema.Type<typeof SnapshotOrphan> {}
/** @see DeleteBranch */
export interface DeleteBranch extends Schema.Schema.Type<typeof DeleteBranch> {}
/** @see PruneWorktrees */
export interface PruneWorktrees extends Schema.Schema.Type<typeof PruneWorktrees> {}
/** @see Report */
export interface Report extends Schema.Schema.Type<typeof Report> {}

/** A plan for one batch. */
export const Plan = Schema.Struct({
  batchId: BatchId,
  steps: Schema.Array(PlanStep)
})
/** @see Plan (an interface, so hovers name it) */
export interface Plan extends Schema.Schema.Type<typeof Plan> {}

/** Steps that change or remove something that exists (everything else only records or reports). */
export const isDestructive = (step: PlanStep): boolean =>
  step._tag === "StopSession" ||
  step._tag === "RelaunchAgent" ||
  step._tag === "RemoveWorktree" ||
  step._tag === "DeleteBranch" ||
  step._tag === "PruneWorktrees"

/**
 * The idempotency key of a step within its batch: the journal records intent/done under it, so the
 * same step recomputed after a crash maps to the same key and is never performed twice.
 */
export const stepKey = (batchId: BatchId, step: PlanStep): string =>
  `${batchId}:` +
  Match.valueTags(step, {
    StopSession: (s) => `stop:${s.session}:${s.attempt}`,
    SnapshotWip: (s) => `snapshot:${s.taskId}:${s.attempt}`,
    RelaunchAgent: (s) => `relaunch:${s.taskId}:${s.attempt}`,
    Reattach: (s) => `reattach:${s.taskId}`,
    MarkTask: (s) => `mark:${s.taskId}:${s.status}`,
    Hold: (s) => `hold:${s.taskId}`,
    RetryMerge: (s) => `merge:${s.wave}`,
    ContinueFromWave: (s) => `continue:${s.wave}`,
    RemoveWorktree: (s) => `remove-worktree:${s.path}`,
    SnapshotOrphan: (s) => `snapshot-orphan:${s.path}`,
    DeleteBranch: (s) => `delete-branch:${s.branch}`,
    PruneWorktrees: () => "prune",
    Report: (s) => `report:${s.taskId ?? ""}:${s.reason}`
  })
