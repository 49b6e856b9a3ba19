/**
 * The files taskplane (HenryLach/taskplane, extensions/taskplane/types.ts) writes that the import reads:
 * `.pi/batch-state.json` (schema v1–v4: a wave plan, the lanes of the current wave, per-task records,
 * per-wave merge results, v4 segment records), the runtime registry of its agent processes
 * (`.pi/runtime/<batch>/registry.json`) and the supervisor lock (`.pi/supervisor/lock.json`).
 *
 * Decoding is as lenient as taskplane's own loader (persistence.ts `validatePersistedState`): fields the
 * mapping does not need are ignored, fields added after v1 are optional, and the values taskplane
 * really writes are accepted — `laneNumber: 0` and `sessionName: ""` for a task not allocated yet,
 * `taskFolder: ""` before discovery enriched it, `failedLane: -1` when the final ref update failed.
 */
import * as Schema from "effect/Schema"

/** The schema versions taskplane's loader accepts (it rejects any other, newer ones included). */
export const TASKPLANE_SCHEMA_VERSIONS: ReadonlyArray<number> = [1, 2, 3, 4]

/** Batch phases taskplane writes (`launching`: its orchestrator is starting the batch right now). */
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

/** Per-task (and per-segment) statuses taskplane writes. */
const TaskplaneTaskStatus = Schema.Literals(["pending", "running", "succeeded", "failed", "stalled", "skipped"])

const Epoch = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Int = Schema.Finite.check(Schema.isInt())
/** 1-based; 0 for a task no lane was allocated to yet. */
const LaneNumber = Int.check(Schema.isGreaterThanOrEqualTo(0))

/** One task record. */
export const TaskplaneTask = Schema.Struct({
  taskId: Schema.String,
  laneNumber: LaneNumber,
  /** The lane's session the task ran in ("" before allocation). */
  sessionName: Schema.String,
  status: TaskplaneTaskStatus,
  /** Absolute path of the task's folder in the repo (PROMPT.md, STATUS.md, `.DONE`); "" until discovery. */
  taskFolder: Schema.String,
  startedAt: Schema.NullOr(Epoch),
  endedAt: Schema.NullOr(Epoch),
  doneFileFound: Schema.Boolean,
  exitReason: Schema.String,
  /** v2, workspace mode only. */
  resolvedRepoId: Schema.optionalKey(Schema.String),
  /** v4: the task's segments (`<taskId>::<repoId>`), in order; the active one. */
  segmentIds: Schema.optionalKey(Schema.Array(Schema.String)),
  activeSegmentId: Schema.optionalKey(Schema.NullOr(Schema.String))
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
  taskIds: Schema.Array(Schema.String),
  /** v2, workspace mode only. */
  repoId: Schema.optionalKey(Schema.String)
})
/** @see TaskplaneLane */
export type TaskplaneLane = typeof TaskplaneLane.Type

/**
 * The merge of one wave. Lanes merge one after another onto a temporary branch, stopping at the first
 * failing lane; the target is then moved to it. `failedLane: -1`: that final move failed.
 */
const TaskplaneMerge = Schema.Struct({
  waveIndex: Int.check(Schema.isGreaterThanOrEqualTo(0)),
  status: Schema.Literals(["succeeded", "failed", "partial"]),
  failedLane: Schema.NullOr(Int.check(Schema.isGreaterThanOrEqualTo(-1))),
  failureReason: Schema.NullOr(Schema.String)
})

/** v4: one repo-scoped segment of a task. */
const TaskplaneSegment = Schema.Struct({
  segmentId: Schema.String,
  taskId: Schema.String,
  status: TaskplaneTaskStatus
})

/** The document. `schemaVersion` is checked against {@link TASKPLANE_SCHEMA_VERSIONS} before decoding. */
export const TaskplaneState = Schema.Struct({
  schemaVersion: Schema.Finite,
  phase: TaskplanePhase,
  batchId: Schema.String,
  /** Absent in v1 files (taskplane defaults it to ""). */
  baseBranch: Schema.optionalKey(Schema.String),
  /** `orch/<op>-<batch>`: where lanes are cut from and merged into; "" or absent: legacy (the base branch). */
  orchBranch: Schema.optionalKey(Schema.String),
  /** v2: "repo" or "workspace" (absent in v1: repo). */
  mode: Schema.optionalKey(Schema.Literals(["repo", "workspace"])),
  startedAt: Epoch,
  updatedAt: Epoch,
  wavePlan: Schema.Array(Schema.Array(Schema.String)),
  lanes: Schema.Array(TaskplaneLane),
  tasks: Schema.Array(TaskplaneTask),
  mergeResults: Schema.optionalKey(Schema.Array(TaskplaneMerge)),
  blockedTaskIds: Schema.optionalKey(Schema.Array(Schema.String)),
  errors: Schema.optionalKey(Schema.Array(Schema.String)),
  /** v4. */
  segments: Schema.optionalKey(Schema.Array(TaskplaneSegment))
})
/** @see TaskplaneState */
export type TaskplaneState = typeof TaskplaneState.Type

/** Agent lifecycle statuses of the runtime registry; the last four mean the process is gone. */
const TaskplaneAgentStatus = Schema.Literals([
  "spawning",
  "running",
  "wrapping_up",
  "exited",
  "crashed",
  "timed_out",
  "killed"
])

/** One agent of `.pi/runtime/<batch>/registry.json` (process-registry.ts `RuntimeAgentManifest`). */
export const TaskplaneAgent = Schema.Struct({
  agentId: Schema.String,
  role: Schema.String,
  laneNumber: Schema.NullOr(Schema.Finite),
  taskId: Schema.NullOr(Schema.String),
  pid: Schema.Finite,
  startedAt: Schema.Finite,
  status: TaskplaneAgentStatus
})

/** @see TaskplaneAgent */
export type TaskplaneAgent = typeof TaskplaneAgent.Type

/** The runtime registry: every agent process taskplane spawned for the batch (runtime V2, no tmux). */
export const TaskplaneRegistry = Schema.Struct({
  batchId: Schema.String,
  agents: Schema.Record(Schema.String, TaskplaneAgent)
})
/** @see TaskplaneRegistry */
export type TaskplaneRegistry = typeof TaskplaneRegistry.Type

/**
 * `.pi/supervisor/lock.json` (supervisor.ts `SupervisorLockfile`): live while its pid runs and its
 * heartbeat (every 30 s) is younger than {@link TASKPLANE_LOCK_STALE_MS}.
 */
export const TaskplaneSupervisorLock = Schema.Struct({
  pid: Schema.Finite,
  sessionId: Schema.String,
  batchId: Schema.String,
  startedAt: Schema.String,
  heartbeat: Schema.String
})
/** @see TaskplaneSupervisorLock */
export type TaskplaneSupervisorLock = typeof TaskplaneSupervisorLock.Type

/** taskplane's STALE_LOCK_THRESHOLD_MS: three missed heartbeats. */
export const TASKPLANE_LOCK_STALE_MS = 90_000
