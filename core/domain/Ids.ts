/**
 * Identifiers and scalar types shared by every rekindle document.
 *
 * Ids are restricted to a safe charset so they can appear in tmux session names, branch names and
 * paths without quoting: `[A-Za-z0-9_-]`, never starting with `-` (option injection), at most 64.
 */
import * as Schema from "effect/Schema"

/** The safe-name pattern for task, lane and batch ids. */
export const SAFE_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/

/** A task id: safe charset, 1–64 characters, not starting with `-`. */
export const TaskId = Schema.String.check(
  Schema.isPattern(SAFE_ID_PATTERN, {
    message: "must be 1-64 characters of [A-Za-z0-9_-] and must not start with '-'"
  })
)
/** @see TaskId */
export type TaskId = typeof TaskId.Type

/** A batch id (same charset as task ids). */
export const BatchId = TaskId
/** @see BatchId */
export type BatchId = TaskId

/** A lane id (same charset as task ids). */
export const LaneId = TaskId
/** @see LaneId */
export type LaneId = TaskId

/** Milliseconds since the epoch. Finite: JSON cannot carry NaN or Infinity. */
export const Timestamp = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
/** @see Timestamp */
export type Timestamp = typeof Timestamp.Type

/** A non-negative integer (counts, offsets, wave indexes). */
export const Count = Schema.Finite.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
/** @see Count */
export type Count = typeof Count.Type

/** Process identity: pid alone is never enough (pids are reused), so the start time travels with it. */
export const ProcessIdentity = Schema.Struct({
  pid: Count,
  /** Opaque start time as the process table reports it (e.g. /proc stat field 22). */
  startTime: Schema.String,
  host: Schema.String
})
/** @see ProcessIdentity */
export type ProcessIdentity = typeof ProcessIdentity.Type
