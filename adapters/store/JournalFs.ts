/**
 * Journal over Effect's `FileSystem` + `Path`: real on NodeServices, fake on MemoryFileSystem.
 *
 * Each journal file is opened once per service (O_APPEND, 0600, O_NOFOLLOW) and kept open for the
 * service's scope, so an append costs one write(2) (plus one fsync under `fsync-each`). A line is
 * written in ONE write call: concurrent appenders — fibers here or other processes — never
 * interleave inside a line. When the file is opened and its last byte is not a newline (a previous
 * process died mid-write), the next line is prefixed with "\n" so the fragment stays on its own line.
 * A newly created (empty) file also gets its directory fsynced once, or a power loss could drop the
 * file itself whatever was fsynced inside it.
 */
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import {
  Journal,
  JournalError,
  type JournalDurability,
  type JournalEntry,
  type JournalEvent
} from "../../core/ports/Journal.ts"
import { describe, ensureDirectory, errnoOf, FILE_MODE, isSystem, readRegular, syncDirectory } from "./FsSafe.ts"
import { encodeLine, endsMidLine, parseJournal } from "./JournalCodec.ts"

/** How the journal makes appends durable (see {@link JournalDurability}). */
export interface JournalOptions {
  readonly durability?: JournalDurability
  /** Under `fsync-batch`: appends per fsync (default 64). */
  readonly batchSize?: number
}

interface Handle {
  readonly file: FileSystem.File
  readonly lock: Semaphore.Semaphore
  needsNewline: boolean
  unsynced: number
}

const toError =
  (path: string, doing: string) =>
  (e: PlatformError.PlatformError): JournalError => {
    const code = errnoOf(e)
    if (isSystem(e, "BadResource") && (code === "ELOOP" || code === "EISDIR")) {
      return new JournalError({
        reason: "Unsafe",
        path,
        message: `${path} is ${code === "ELOOP" ? "a symbolic link" : "a directory"}; rekindle never follows or replaces it`,
        code
      })
    }
    return new JournalError({
      reason: "Io",
      path,
      message: `cannot ${doing} ${path}: ${describe(e)}`,
      ...(code === undefined ? {} : { code })
    })
  }

const withNewlineFirst = (line: Uint8Array): Uint8Array => {
  const out = new Uint8Array(line.length + 1)
  out[0] = 0x0a
  out.set(line, 1)
  return out
}

/** Build the journal; open files are closed (and batched appends fsynced) when the scope closes. */
export const make = (options: JournalOptions = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const scope = yield* Effect.scope
    const durability = options.durability ?? "fsync-each"
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 64))
    const handles = new Map<string, Handle>()
    const opening = yield* Semaphore.make(1)

    const flush = (h: Handle) =>
      Effect.suspend(() => {
        const pending = h.unsynced
        return Effect.tap(h.file.sync, () =>
          Effect.sync(() => {
            h.unsynced = Math.max(0, h.unsynced - pending)
          })
        )
      })

    const openHandle = (p: string) =>
      Effect.gen(function* () {
        const attempt = Scope.provide(scope)(fs.open(p, { flag: "a+", mode: FILE_MODE, noFollow: true }))
        const file = yield* attempt.pipe(
          Effect.catchIf(
            (e) => isSystem(e, "NotFound"),
            () => Effect.andThen(ensureDirectory(fs, path, path.dirname(p)), attempt)
          )
        )
        const size = ByteSize.toBigInt((yield* file.stat).size)
        const h: Handle = { file, lock: yield* Semaphore.make(1), needsNewline: false, unsynced: 0 }
        if (size > 0n) {
          const last = new Uint8Array(1)
          const n = yield* file.read(last, { position: size - 1n })
          h.needsNewline = endsMidLine(n === 1 ? last[0] : undefined)
        } else {
          // Possibly just created: the directory entry must be durable too, whatever the policy, or
          // even an explicit `sync` could not save the file from a power loss.
          yield* syncDirectory(fs, path.dirname(p))
        }
        // Added after the open's own finalizer, so it runs first: batched lines are fsynced before close.
        yield* Scope.addFinalizer(
          scope,
          Effect.suspend(() => (durability === "fsync-batch" && h.unsynced > 0 ? Effect.ignore(flush(h)) : Effect.void))
        )
        return h
      })

    const handleFor = (p: string) =>
      opening.withPermit(
        Effect.suspend(() => {
          const known = handles.get(p)
          return known !== undefined
            ? Effect.succeed(known)
            : Effect.tap(openHandle(p), (h) => Effect.sync(() => handles.set(p, h)))
        })
      )

    const append = Effect.fn("JournalFs.append")(function* (p: string, event: JournalEvent) {
      const line = encodeLine(event)
      if (Result.isFailure(line)) {
        return yield* new JournalError({
          reason: "Encode",
          path: p,
          message: `cannot journal ${event.kind} ${event.key}: ${line.failure}`
        })
      }
      const h = yield* Effect.mapError(handleFor(p), toError(p, "open"))
      yield* h.lock.withPermit(
        Effect.gen(function* () {
          const bytes = h.needsNewline ? withNewlineFirst(line.success) : line.success
          h.needsNewline = true // until the write is known complete
          const written = yield* h.file.write(bytes)
          if (written !== bytes.length) {
            return yield* new JournalError({
              reason: "Io",
              path: p,
              message: `short write to ${p} (${written} of ${bytes.length} bytes)`
            })
          }
          h.needsNewline = false
          h.unsynced += 1
        }).pipe(Effect.mapError((e) => (e._tag === "JournalError" ? e : toError(p, "append to")(e))))
      )
      if (durability === "fsync-each" || (durability === "fsync-batch" && h.unsynced >= batchSize)) {
        yield* Effect.mapError(flush(h), toError(p, "fsync"))
      }
    })

    const sync = Effect.fn("JournalFs.sync")(function* (p: string) {
      const h = handles.get(p)
      if (h !== undefined) return yield* Effect.mapError(flush(h), toError(p, "fsync"))
      yield* Effect.scoped(Effect.flatMap(fs.open(p, { flag: "r", noFollow: true }), (f) => f.sync)).pipe(
        Effect.catchIf(
          (e) => isSystem(e, "NotFound"),
          () => Effect.void
        ),
        Effect.mapError(toError(p, "fsync"))
      )
    })

    const read = Effect.fn("JournalFs.read")(function* (p: string) {
      const r = yield* Effect.mapError(readRegular(fs, p), toError(p, "read"))
      if (r._tag === "Missing") return parseJournal(new Uint8Array(0))
      if (r._tag !== "File") {
        return yield* new JournalError({
          reason: "Unsafe",
          path: p,
          message: `${p} is ${r._tag === "Symlink" ? "a symbolic link" : `not a regular file (${r.type})`}; rekindle never follows it`
        })
      }
      return parseJournal(r.bytes)
    })

    const query = Effect.fn("JournalFs.query")(function* (p: string, key: string) {
      const { events } = yield* read(p)
      let intent: JournalEvent | undefined
      let done: JournalEvent | undefined
      for (const e of events) {
        if (e.key !== key) continue
        if (e.phase === "intent") intent = e
        else if (e.phase === "done") done = e
      }
      return {
        ...(intent === undefined ? {} : { intent }),
        ...(done === undefined ? {} : { done })
      } satisfies JournalEntry as JournalEntry
    })

    return Journal.of({ append, sync, read, query })
  })

/** Journal over the provided FileSystem and Path, with `options` (default `fsync-each`). */
export const layer = (options: JournalOptions = {}): Layer.Layer<Journal, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(Journal, make(options))
