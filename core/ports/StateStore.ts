/**
 * Port: the persisted batch state document (`<repo>/.rekindle/<batchId>/state.json`).
 *
 * Loading never changes the disk; saving is atomic and durable and keeps the previous good copy as
 * `state.json.bak`. A file that does not decode is reported with its location and never overwritten:
 * the caller (the user, through the CLI) decides whether to quarantine it or to use the backup.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { BatchState } from "../domain/State.ts"

/**
 * Why the state store could not answer:
 * - `Corrupt`: the bytes are not JSON (`byteOffset`/`line`/`column` say where), do not match the
 *   Schema (`fieldPath` says which field), or are more than a state file may hold (not even read);
 *   the file was left untouched.
 * - `Version`: the document's `version` is newer or unknown (`found`, `supported`); left untouched.
 * - `Io`: the file system refused (disk full, permission, …); `code` carries the errno name.
 * - `Unsafe`: the path is a symlink or not a regular file; rekindle never follows or replaces it.
 * - `Invalid`: `save` was handed a state its own Schema rejects (a caller bug); nothing was written.
 */
export const StateStoreErrorReason = Schema.Literals(["Corrupt", "Version", "Io", "Unsafe", "Invalid"])
/** @see StateStoreErrorReason */
export type StateStoreErrorReason = typeof StateStoreErrorReason.Type

/** The state file could not be read, decoded or written. */
export class StateStoreError extends Schema.TaggedError<StateStoreError>()("StateStoreError", {
  reason: StateStoreErrorReason,
  path: Schema.String,
  message: Schema.String,
  /** errno name for `Io` (`ENOSPC`, `EACCES`, …) when the platform reported one. */
  code: Schema.optionalKey(Schema.String),
  /** `Corrupt` (JSON syntax): offset in bytes of the first invalid byte, and its 1-based line/column. */
  byteOffset: Schema.optionalKey(Schema.Number),
  line: Schema.optionalKey(Schema.Number),
  column: Schema.optionalKey(Schema.Number),
  /** `Corrupt` (Schema): path of the first bad field, e.g. `tasks[3].status`. */
  fieldPath: Schema.optionalKey(Schema.String),
  /** `Version`: the version found in the document and the versions this build reads. */
  found: Schema.optionalKey(Schema.Unknown),
  supported: Schema.optionalKey(Schema.Array(Schema.Number))
}) {}

/** `load` found no file at the path (a batch that never saved). */
export interface StateMissing {
  readonly _tag: "Missing"
}

/** `load` decoded the file (older versions already migrated in memory). */
export interface StateLoaded {
  readonly _tag: "Loaded"
  readonly state: BatchState
}

/** The outcome of {@link StateStoreShape.load}. */
export type LoadResult = StateMissing | StateLoaded

/**
 * `loadWithFallback` found the main file unusable (`Corrupt`, or missing) but `state.json.bak`
 * decodes. Nothing was switched or rewritten: the caller shows both and decides.
 */
export interface StateBackupOnly {
  readonly _tag: "BackupOnly"
  /** Why the main file could not be used; `undefined` when it is missing. */
  readonly primary: StateStoreError | undefined
  readonly backup: BatchState
  readonly backupPath: string
}

/** The outcome of {@link StateStoreShape.loadWithFallback}. */
export type FallbackResult = StateMissing | StateLoaded | StateBackupOnly

/** The operations rekindle needs on state documents. Paths are absolute. */
export interface StateStoreShape {
  /** Read and decode `path`. Missing file → `Missing`; never writes, deletes or renames anything. */
  readonly load: (path: string) => Effect.Effect<LoadResult, StateStoreError>
  /**
   * Like `load`, but when the main file is `Corrupt` or missing and `<path>.bak` decodes, returns
   * `BackupOnly` with both facts. `Version`, `Io` and `Unsafe` errors of the main file are never
   * masked by the backup (an older rekindle must not fall back past a newer document).
   */
  readonly loadWithFallback: (path: string) => Effect.Effect<FallbackResult, StateStoreError>
  /**
   * Atomically and durably replace `path` with `state` (files 0600, created directories 0700),
   * keeping the previous file as `<path>.bak`. Refuses (`Corrupt`/`Version`/`Unsafe`) to replace a
   * file it cannot decode. After any crash, `path` holds either the previous or the new state.
   */
  readonly save: (path: string, state: BatchState) => Effect.Effect<void, StateStoreError>
  /**
   * Move the file at `path` aside to `<path>.corrupt-<UTC timestamp>` (never overwriting an existing
   * quarantine) and return the new path. Does not judge the content: the caller asked for it.
   */
  readonly quarantine: (path: string) => Effect.Effect<string, StateStoreError>
}

/** Service tag for {@link StateStoreShape}. */
export class StateStore extends Context.Service<StateStore, StateStoreShape>()("rekindle/StateStore") {}
