/**
 * Per-task decisions and the resume point: the output of reconcile/computeResumePoint, printed by
 * `rekindle plan` and fed to planRecovery.
 */
import * as Schema from "effect/Schema"
import { Count, TaskId } from "./Ids.ts"
import { TaskStatus } from "./State.ts"

/** What rekindle will do with one task. */
export const Action = Schema.Literals([
  "mark-complete",
  "reconnect",
  "re-execute",
  "mark-failed",
  "skip",
  "pending",
  "hold"
])
/** @see Action */
export type Action = typeof Action.Type

/** The session as observed for one task. */
export const SessionEvidence = Schema.Literals(["alive", "dead-pane", "bare-shell", "absent", "unknown"])
/** The agent process as observed for one task. */
export const AgentEvidence = Schema.Literals(["alive", "gone", "unknown"])
/** The task's worktree as observed. */
export const WorktreeEvidence = Schema.Literals(["present", "missing", "corrupt", "archived", "none"])

/** The facts a decision was taken on: shown next to the reason, and used by tests. */
export const Evidence = Schema.Struct({
  persisted: TaskStatus,
  session: SessionEvidence,
  agent: AgentEvidence,
  worktree: WorktreeEvidence,
  marker: Schema.Literals(["succeeded", "failed", "invalid", "none"]),
  transcript: Schema.Literals(["valid", "missing", "none"]),
  /** The session actually observed for the task (found by ownership tag, so it may differ from state). */
  sessionName: Schema.optionalKey(Schema.String),
  /** A dead pane's exit status: its agent exited on its own (DESIGN row 4: that is its outcome). */
  exitStatus: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  /** The signal that killed a dead pane's agent: it was killed from outside, which is no outcome of its own. */
  exitSignal: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  /** Whether the worktree has uncommitted or untracked work, when observe checked it. */
  dirty: Schema.optionalKey(Schema.Boolean)
})
/** @see Evidence */
export type Evidence = typeof Evidence.Type

/** One decision: action, the precedence row that chose it, a one-line reason, and the evidence. */
export const TaskDecision = Schema.Struct({
  taskId: TaskId,
  action: Action,
  /** Row of the precedence table (DESIGN §4) that decided. */
  row: Count,
  reason: Schema.String,
  evidence: Evidence,
  /** For mark-complete: what the marker reported. */
  outcome: Schema.optionalKey(Schema.Literals(["succeeded", "failed"])),
  /** For mark-failed of an agent that exited on its own: its exit status (recorded on the task). */
  exitStatus: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  /** For re-execute: a stale session must be stopped first. */
  stopSession: Schema.optionalKey(Schema.Boolean),
  /** For re-execute: the conversation transcript validated, so the agent can resume it. */
  resumeConversation: Schema.optionalKey(Schema.Boolean)
})
/** @see TaskDecision */
export type TaskDecision = typeof TaskDecision.Type

/** Where a batch continues, and every task id in exactly one category. */
export const ResumePoint = Schema.Struct({
  /** Index of the first wave with unfinished tasks; absent when every wave's tasks are done. */
  resumeWave: Schema.optionalKey(Count),
  /** Waves whose tasks are done but whose latest merge did not succeed: merged again, never re-run. */
  mergeRetryWaves: Schema.Array(Count),
  completed: Schema.Array(TaskId),
  failed: Schema.Array(TaskId),
  skipped: Schema.Array(TaskId),
  pending: Schema.Array(TaskId),
  reconnect: Schema.Array(TaskId),
  reExecute: Schema.Array(TaskId),
  held: Schema.Array(TaskId),
  blocked: Schema.Array(TaskId)
})
/** @see ResumePoint */
export type ResumePoint = typeof ResumePoint.Type
