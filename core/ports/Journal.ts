/**
 * Port: the batch journal (`<repo>/.rekindle/<batchId>/events.jsonl`), append-only, one JSON object
 * per line. Every side effect is journaled as an `intent` line before and a `done` line after, under
 * one idempotency key: after a crash, an intent without its done is exactly the work to re-check.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Timestamp } from "../domain/Ids.ts"

/** Whether a line announces a side effect, records its completion, or is informational. */
export const JournalPhase = Schema.Literals(["intent", "done", "info"])
/** @see JournalPhase */
export type JournalPhase = typeof JournalPhase.Type

/** One journal line. `key` pairs an intent with its done; `kind` names the side effect. */
export const JournalEvent = Schema.Struct({
  at: Timestamp,
  key: Schema.String,
  phase: JournalPhase,
  kind: Schema.String,
  /** Any JSON value: what the effect needs to be checked or replayed. */
  data: Schema.optionalKey(Schema.Unknown)
})
/** @see JournalEvent */
export type JournalEvent = typeof JournalEvent.Type

/**
 * When appended lines reach the disk:
 * - `fsync-each`: every `append` is durable when it returns (the default);
 * - `fsync-batch`: one fsync per `batchSize` appends, and on `sync`;
 * - `none`: only on `sync` (the OS writes back on its own schedule).
 */
export const JournalDurability = Schema.Literals(["fsync-each", "fsync-batch", "none"])
/** @see JournalDurability */
export type JournalDurability = typeof JournalDurability.Type

/**
 * Why the journal could not answer: `Io` (file system refused; `code` carries the errno name),
 * `Encode` (the event's `data` is not JSON-serialisable; nothing was written), `Unsafe` (the path is
 * a symlink or not a regular file; never followed).
 */
export const JournalErrorReason = Schema.Literals(["Io", "Encode", "Unsafe"])
/** @see JournalErrorReason */
export type JournalErrorReason = typeof JournalErrorReason.Type

/** The journal could not be read or appended to. */
export class JournalError extends Schema.TaggedError<JournalError>()("JournalError", {
  reason: JournalErrorReason,
  path: Schema.String,
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}

/** What `read` found: the decoded events and what it had to leave out. */
export interface JournalContents {
  readonly events: ReadonlyArray<JournalEvent>
  /** The last line was torn (no newline, or not a valid event): ignored. Expected after a crash. */
  readonly tornTail: boolean
  /** Malformed lines before the last one (not JSON, or not an event): ignored, counted. */
  readonly skipped: number
  /** Byte offsets where the skipped lines start (for the report). */
  readonly skippedAt: ReadonlyArray<number>
}

/** The latest intent and done for one key. */
export interface JournalEntry {
  readonly intent?: JournalEvent
  readonly done?: JournalEvent
}

/** The operations rekindle needs on journals. Paths are absolute. */
export interface JournalShape {
  /**
   * Append one event as one line in ONE write (O_APPEND), so concurrent appenders never interleave
   * inside a line. Creates the file (0600) and its directories (0700). Durable on return under
   * `fsync-each`. A torn fragment left by an earlier crash is closed off with a newline first.
   */
  readonly append: (path: string, event: JournalEvent) => Effect.Effect<void, JournalError>
  /** Make every append so far durable (whatever the durability policy). */
  readonly sync: (path: string) => Effect.Effect<void, JournalError>
  /** Every event in order. A missing file is an empty journal. Torn/malformed lines never fail. */
  readonly read: (path: string) => Effect.Effect<JournalContents, JournalError>
  /** The latest `intent` and latest `done` recorded under `key`. */
  readonly query: (path: string, key: string) => Effect.Effect<JournalEntry, JournalError>
}

/** Service tag for {@link JournalShape}. */
export class Journal extends Context.Service<Journal, JournalShape>()("rekindle/Journal") {}
