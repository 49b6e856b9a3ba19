/**
 * The taskplane-style `batch-state.json` this adapter reads: a wave plan, the lanes of the current wave
 * (each a tmux session, a worktree and a branch), per-task records (lane, session, status, task folder
 * holding PROMPT.md and the `.DONE` marker) and per-wave merge results. Decoding is lenient: fields
 * the mapping does not need are ignored, so newer writers' additions do not break the import.
 */
import * as Schema from "effect/Schema"

/** Batch phases taskplane writes (`launching` is its word for a batch starting its first wave). */
const TaskplanePhase = Schema.Literals([
  "idle",
  "launching",
  "planning",
  "executing",
  "merging",
  "paused",
  "stopped",
  "completed",
  "failed"
])

/** Per-task statuses taskplane writes. */
const TaskplaneTaskStatus = Schema.Literals(["pending", "running", "succeeded", "failed", "stalled", "skipped"])

const Epoch = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const LaneNumber = Schema.Finite.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))

/** One task record. */
export const TaskplaneTask = Schema.Struct({
  taskId: Schema.String,
  laneNumber: LaneNumber,
  /** The lane's tmux session the task ran in. */
  sessionName: Schema.String,
  status: TaskplaneTaskStatus,
  /** Absolute path of the task's folder in the repo (PROMPT.md, STATUS.md, `.DONE`). */
  taskFolder: Schema.String,
  startedAt: Schema.NullOr(Epoch),
  endedAt: Schema.NullOr(Epoch),
  doneFileFound: Schema.Boolean,
  exitReason: Schema.String
})
/** @see TaskplaneTask */
export type TaskplaneTask = typeof TaskplaneTask.Type

/** One lane of the current wave. Older writers name the session `tmuxSessionName`, newer `laneSessionId`. */
export const TaskplaneLane = Schema.Struct({
  laneNumber: LaneNumber,
  laneId: Schema.String,
  tmuxSessionName: Schema.optionalKey(Schema.String),
  laneSessionId: Schema.optionalKey(Schema.String),
  worktreePath: Schema.String,
  branch: Schema.String,
  taskIds: Schema.Array(Schema.String)
})
/** @see TaskplaneLane */
export type TaskplaneLane = typeof TaskplaneLane.Type

/** The merge of one wave. */
const TaskplaneMerge = Schema.Struct({
  waveIndex: Schema.Finite.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  status: Schema.Literals(["succeeded", "failed", "partial"]),
  failedLane: Schema.NullOr(LaneNumber),
  failureReason: Schema.NullOr(Schema.String)
})

/** The document. */
export const TaskplaneState = Schema.Struct({
  schemaVersion: Schema.Finite,
  phase: TaskplanePhase,
  batchId: Schema.String,
  baseBranch: Schema.String,
  startedAt: Epoch,
  updatedAt: Epoch,
  wavePlan: Schema.Array(Schema.Array(Schema.String)),
  lanes: Schema.Array(TaskplaneLane),
  tasks: Schema.Array(TaskplaneTask),
  mergeResults: Schema.optionalKey(Schema.Array(TaskplaneMerge)),
  blockedTaskIds: Schema.optionalKey(Schema.Array(Schema.String)),
  errors: Schema.optionalKey(Schema.Array(Schema.String))
})
/** @see TaskplaneState */
export type TaskplaneState = typeof TaskplaneState.Type
