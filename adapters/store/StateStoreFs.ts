/**
 * StateStore over Effect's `FileSystem` + `Path` services: the real adapter on NodeServices, and the
 * fake when given MemoryFileSystem — the same code, so the contract proves both.
 *
 * save, and why every crash point is safe (the main path always holds a good state):
 *   1. read + decode the current file — refuse to replace anything that does not decode;
 *   2. write those exact bytes to a unique temp (O_EXCL, 0600), fsync, rename over `<path>.bak`;
 *   3. write the new state to a unique temp, fsync, rename over `<path>`;
 *   4. fsync the directory.
 * The main file is only ever replaced by rename(2) of a fully written, fsynced file, so before step 3
 * it is the previous state and after it the new one; a power loss before step 4 may undo a rename,
 * which only brings back the previous good file. `.bak` is likewise replaced only by a fsynced copy of
 * bytes that were just decoded, so it is always good too. A crash leaves at worst a `*.tmp-*` file.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import type { BatchState } from "../../core/domain/State.ts"
import { type FallbackResult, type LoadResult, StateStore, StateStoreError } from "../../core/ports/StateStore.ts"
import {
  describe,
  ensureDirectory,
  errnoOf,
  isSystem,
  readRegular,
  removeQuietly,
  syncDirectory,
  uniqueSibling,
  writeNewDurable
} from "./FsSafe.ts"
import { decodeStateBytes, encodeStateBytes, MAX_STATE_BYTES, tooLarge } from "./StateCodec.ts"

const io =
  (path: string, doing: string) =>
  (e: PlatformError.PlatformError): StateStoreError => {
    const code = errnoOf(e)
    return new StateStoreError({
      reason: "Io",
      path,
      message: `cannot ${doing} ${path}: ${describe(e)}`,
      ...(code === undefined ? {} : { code })
    })
  }

const unsafe = (path: string, what: string) =>
  new StateStoreError({ reason: "Unsafe", path, message: `${path} is ${what}; rekindle never follows or replaces it` })

const fromResult = <A>(r: Result.Result<A, StateStoreError>): Effect.Effect<A, StateStoreError> =>
  Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure)

/** `2025-06-15T14-03-07.123Z`: sortable, and free of characters some file systems refuse. */
const stamp = (ms: number): string => new Date(ms).toISOString().replaceAll(":", "-")

/** Build the adapter over whatever FileSystem and Path are provided. */
export const make = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path

  /** The size of the regular file at `p` (0 when missing or not a regular file: readRegular judges those). */
  const sizeOf = (p: string) =>
    fs.lstat(p).pipe(
      Effect.map((info) => (info.type === "File" ? Number(info.size) : 0)),
      Effect.catchIf(
        (e) => isSystem(e, "NotFound"),
        () => Effect.succeed(0)
      ),
      Effect.mapError(io(p, "read"))
    )

  /** Read `p` as a regular file: bytes, or undefined when missing; an oversized file is refused unread. */
  const readFile = (p: string) =>
    Effect.gen(function* () {
      const size = yield* sizeOf(p)
      if (size > MAX_STATE_BYTES) return yield* tooLarge(p, size)
      const r = yield* Effect.mapError(readRegular(fs, p), io(p, "read"))
      if (r._tag === "Missing") return undefined
      if (r._tag !== "File")
        return yield* unsafe(p, r._tag === "Symlink" ? "a symbolic link" : `not a regular file (${r.type})`)
      // It may have grown between lstat and read.
      if (r.bytes.length > MAX_STATE_BYTES) return yield* tooLarge(p, r.bytes.length)
      return r.bytes
    })

  const load = Effect.fn("StateStoreFs.load")(function* (p: string) {
    const bytes = yield* readFile(p)
    if (bytes === undefined) return { _tag: "Missing" } satisfies LoadResult as LoadResult
    const state = yield* fromResult(decodeStateBytes(p, bytes))
    return { _tag: "Loaded", state } satisfies LoadResult as LoadResult
  })

  const loadWithFallback = Effect.fn("StateStoreFs.loadWithFallback")(function* (p: string) {
    const primary = yield* Effect.result(load(p))
    if (Result.isSuccess(primary) && primary.success._tag === "Loaded") return primary.success as FallbackResult
    if (Result.isFailure(primary) && primary.failure.reason !== "Corrupt") return yield* primary.failure
    const backupPath = `${p}.bak`
    const backup = yield* Effect.result(load(backupPath))
    if (Result.isSuccess(backup) && backup.success._tag === "Loaded") {
      return {
        _tag: "BackupOnly",
        primary: Result.isFailure(primary) ? primary.failure : undefined,
        backup: backup.success.state,
        backupPath
      } satisfies FallbackResult as FallbackResult
    }
    if (Result.isFailure(primary)) return yield* primary.failure
    return { _tag: "Missing" } satisfies FallbackResult as FallbackResult
  })

  /** Write `bytes` to a fresh temp beside `target`, fsync it, and rename it over `target`. */
  const replace = (target: string, bytes: Uint8Array) => {
    const tmp = uniqueSibling(target, "tmp")
    return writeNewDurable(fs, tmp, bytes).pipe(
      Effect.andThen(fs.rename(tmp, target)),
      Effect.onError(() => removeQuietly(fs, tmp)),
      Effect.mapError(io(target, "write"))
    )
  }

  const save = Effect.fn("StateStoreFs.save")(function* (p: string, state: BatchState) {
    const bytes = yield* fromResult(encodeStateBytes(p, state))
    const dir = path.dirname(p)
    yield* Effect.mapError(ensureDirectory(fs, path, dir), io(dir, "create directory"))
    const previous = yield* readFile(p)
    if (previous !== undefined) {
      const check = decodeStateBytes(p, previous)
      if (Result.isFailure(check)) {
        return yield* new StateStoreError({
          ...check.failure,
          message: `refusing to overwrite: ${check.failure.message}`
        })
      }
      yield* replace(`${p}.bak`, previous)
    }
    yield* replace(p, bytes)
    yield* Effect.mapError(syncDirectory(fs, dir), io(dir, "fsync directory"))
  })

  const quarantine = Effect.fn("StateStoreFs.quarantine")(function* (p: string) {
    const info = yield* Effect.mapError(fs.lstat(p), io(p, "quarantine"))
    if (info.type === "SymbolicLink") return yield* unsafe(p, "a symbolic link")
    const base = `${p}.corrupt-${stamp(yield* Clock.currentTimeMillis)}`
    let target = base
    for (let n = 1; yield* Effect.mapError(fs.exists(target), io(target, "check")); n++) target = `${base}-${n}`
    yield* Effect.mapError(fs.rename(p, target), io(p, "quarantine"))
    yield* Effect.mapError(syncDirectory(fs, path.dirname(p)), io(p, "fsync directory of"))
    return target
  })

  return StateStore.of({ load, loadWithFallback, save, quarantine })
})

/** StateStore over the provided FileSystem and Path (NodeServices.layer for the real disk). */
export const layer: Layer.Layer<StateStore, never, FileSystem.FileSystem | Path.Path> = Layer.effect(StateStore, make)
