/**
 * Batch events for people and programs: a task waiting for input or at a screen that blocks its work
 * (`task-waiting`, once per wait), failed, stalled or succeeded, and
 * the batch's end. Each is one JSON line of `.rekindle/<batch>/notifications.jsonl` (what `rekindle
 * events` prints) and the stdin of one run of the manifest's `options.notify` program. Pure: the
 * engine decides when a transition happened; this says which event it is.
 */
import * as Schema from "effect/Schema"
import { BatchId, TaskId, Timestamp } from "./Ids.ts"
import { Phase, type TaskStatus } from "./State.ts"

/** What happened. */
const BatchEventKind = Schema.Literals([
  "task-waiting-for-input",
  "task-waiting",
  "task-failed",
  "task-stalled",
  "task-succeeded",
  "batch-ended"
])
type BatchEventKind = typeof BatchEventKind.Type

/** One event. */
export const BatchEvent = Schema.Struct({
  kind: BatchEventKind,
  at: Timestamp,
  batchId: BatchId,
  /** Task events: the task. */
  taskId: Schema.optionalKey(TaskId),
  /** Why (a failure's reason, the line an agent asks with, how the batch ended). */
  reason: Schema.optionalKey(Schema.String),
  exitStatus: Schema.optionalKey(Schema.Finite),
  /** batch-ended: the phase it ended in (completed, paused, failed, stopped). */
  phase: Schema.optionalKey(Phase),
  /** task-waiting: the screen that blocks the agent's work, as captured. */
  lines: Schema.optionalKey(Schema.Array(Schema.String))
})
/** @see BatchEvent */
export type BatchEvent = typeof BatchEvent.Type

const KIND_OF: Partial<Record<TaskStatus, BatchEventKind>> = {
  failed: "task-failed",
  stalled: "task-stalled",
  succeeded: "task-succeeded"
}

/** The event of a task entering `status`, if that status is one people are told about. */
export const taskEvent = (
  batchId: string,
  taskId: string,
  status: TaskStatus,
  at: number,
  reason: string,
  exitStatus?: number
): BatchEvent | undefined => {
  const kind = KIND_OF[status]
  return kind === undefined
    ? undefined
    : { kind, at, batchId, taskId, reason, ...(exitStatus === undefined ? {} : { exitStatus }) }
}
