/**
 * Port: bounded reads from the end of a growing log (a task's pane log). The reader seeks, it never
 * reads a whole file: catching up on a 1 GiB log from a checkpoint 1 MiB before its end reads ~1 MiB.
 * Offsets are bytes; splitting into lines and choosing the checkpoint is the caller's pure arithmetic
 * (core/domain/LogCheckpoint.ts).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Why the log could not be read. */
export const LogTailErrorReason = Schema.Literals(["Io", "NotFound"])

/** `NotFound`: no file at the path. `Io`: any other failure (permission, a directory, a read error). */
export class LogTailError extends Schema.TaggedError<LogTailError>()("LogTailError", {
  reason: LogTailErrorReason,
  path: Schema.String,
  message: Schema.String
}) {}

/** One bounded read. */
export interface TailChunk {
  /** Bytes `[start, nextOffset)`, where start is `offset`, or 0 when the file shrank below it. */
  readonly bytes: Uint8Array
  /** Where the next read starts: start + bytes.length, never beyond `size`. */
  readonly nextOffset: number
  /** The file size seen by this read. */
  readonly size: number
  /** The file was shorter than `offset` (truncated or rotated), so this read restarted at 0. */
  readonly shrank: boolean
}

/** The operations rekindle needs to tail a log. */
export interface LogTailShape {
  /**
   * Read at most `maxBytes` (at least 1 when data is pending) from `offset`. Reading again from
   * `nextOffset` after any appends yields every byte exactly once.
   */
  readonly read: (path: string, offset: number, maxBytes: number) => Effect.Effect<TailChunk, LogTailError>
  /** Current size in bytes. */
  readonly size: (path: string) => Effect.Effect<number, LogTailError>
}

/** Service tag for {@link LogTailShape}. */
export class LogTail extends Context.Service<LogTail, LogTailShape>()("rekindle/LogTail") {}
