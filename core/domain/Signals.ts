/**
 * Live signals: everything observe() saw in one read-only pass. Saved as JSON for bug reports and
 * replayed by `plan --signals`, so it is a Schema like the state.
 */
import * as Schema from "effect/Schema"
import { Count, TaskId, Timestamp } from "./Ids.ts"

/** One pane row of `tmux list-panes -a -F …`. */
export const TmuxPane = Schema.Struct({
  sessionId: Schema.String,
  sessionName: Schema.String,
  paneId: Schema.String,
  panePid: Count,
  dead: Schema.Boolean,
  /** The exit status of a dead pane's program that exited on its own (`#{pane_dead_status}`). */
  deadStatus: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  /**
   * The signal that killed a dead pane's program (`#{pane_dead_signal}`): it did not exit on its own,
   * so it has no exit status — something outside it (a kill, the OOM killer, a reboot) ended it.
   */
  deadSignal: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  currentCommand: Schema.String,
  /** The `@rekindle_task` pane option: `<batchId>/<taskId>` when rekindle owns the pane. */
  taskTag: Schema.optionalKey(Schema.String),
  /** `#{pane_pipe}`: whether output is already piped somewhere. */
  piped: Schema.optionalKey(Schema.Boolean)
})
/** @see TmuxPane */
export type TmuxPane = typeof TmuxPane.Type

/**
 * tmux has three outcomes, never two: `up` with panes, `no-server` (every session is dead), and
 * `unknown` (timeout, permission, anything else: nothing may be concluded dead).
 */
export const TmuxStatus = Schema.Union([
  Schema.Struct({ state: Schema.Literal("up"), panes: Schema.Array(TmuxPane) }),
  Schema.Struct({ state: Schema.Literal("no-server") }),
  Schema.Struct({ state: Schema.Literal("unknown"), reason: Schema.String })
])
/** @see TmuxStatus */
export type TmuxStatus = typeof TmuxStatus.Type

/** One process-table row. Identity is pid + start time. */
export const ProcessInfo = Schema.Struct({
  pid: Count,
  ppid: Count,
  startTime: Schema.String,
  argv: Schema.Array(Schema.String)
})
/** @see ProcessInfo */
export type ProcessInfo = typeof ProcessInfo.Type

/** The process table, or `unknown` when it could not be read (never read as "everything is dead"). */
export const ProcessSnapshot = Schema.Union([
  Schema.Struct({ state: Schema.Literal("known"), processes: Schema.Array(ProcessInfo) }),
  Schema.Struct({ state: Schema.Literal("unknown"), reason: Schema.String })
])
/** @see ProcessSnapshot */
export type ProcessSnapshot = typeof ProcessSnapshot.Type

/** One record of `git worktree list --porcelain -z`, plus dirty status when a decision needed it. */
export const WorktreeInfo = Schema.Struct({
  path: Schema.String,
  head: Schema.optionalKey(Schema.String),
  branch: Schema.optionalKey(Schema.String),
  bare: Schema.Boolean,
  detached: Schema.Boolean,
  locked: Schema.Boolean,
  prunable: Schema.Boolean,
  dirty: Schema.optionalKey(Schema.Boolean)
})
/** @see WorktreeInfo */
export type WorktreeInfo = typeof WorktreeInfo.Type

/** What is on disk at a task's worktree path: a worktree, nothing, or a directory without `.git`. */
export const PathState = Schema.Literals(["present", "missing", "corrupt"])
/** @see PathState */
export type PathState = typeof PathState.Type

/** A done marker found for a task. `valid` is false when the file exists but cannot be read as one. */
export const DoneMarker = Schema.Struct({
  valid: Schema.Boolean,
  status: Schema.optionalKey(Schema.Literals(["succeeded", "failed"])),
  summary: Schema.optionalKey(Schema.String)
})
/** @see DoneMarker */
export type DoneMarker = typeof DoneMarker.Type

/** Everything observed in one pass. */
export const Signals = Schema.Struct({
  observedAt: Timestamp,
  host: Schema.String,
  tmux: TmuxStatus,
  processes: ProcessSnapshot,
  worktrees: Schema.Array(WorktreeInfo),
  /** Worktree paths the state names, checked on disk. */
  paths: Schema.Record(Schema.String, PathState),
  /** Done markers found, by task id (absent: no marker file). */
  markers: Schema.Record(TaskId, DoneMarker),
  /** Conversation id → a transcript exists and validates. */
  transcripts: Schema.Record(Schema.String, Schema.Boolean),
  /** Last output time per task (pane log mtime), when known. */
  lastOutputAt: Schema.optionalKey(Schema.Record(TaskId, Timestamp))
})
/** @see Signals (an interface, so hovers name it) */
export interface Signals extends Schema.Schema.Type<typeof Signals> {}
