/**
 * LogTail over Effect's FileSystem: the real adapter with the Node FileSystem, the fake with an
 * in-memory one (same code, so the fake cannot drift from the real reader).
 *
 * A read opens the file, measures it through the open handle (so size and bytes come from the same
 * file even if the path is rotated meanwhile), clamps the checkpoint with the pure `readPlan`, and
 * reads only `[start, start + length)` with positional reads.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as PlatformError from "effect/PlatformError"
import { readPlan } from "../../core/domain/LogCheckpoint.ts"
import { LogTail, LogTailError } from "../../core/ports/LogTail.ts"
import { readRange } from "./ReadRange.ts"

const toError =
  (path: string) =>
  (e: PlatformError.PlatformError): LogTailError =>
    new LogTailError({
      reason: e.reason._tag === "NotFound" ? "NotFound" : "Io",
      path,
      message: e.message
    })

/** Build the adapter over `fs`. */
export const make = (fs: FileSystem.FileSystem): LogTail["Service"] => {
  const read = Effect.fn("LogTail.read")(function* (path: string, offset: number, maxBytes: number) {
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(path, { flag: "r" })
        const info = yield* file.stat
        if (info.type === "Directory") {
          return yield* Effect.fail(new LogTailError({ reason: "Io", path, message: `${path} is a directory` }))
        }
        const size = Number(info.size)
        const plan = readPlan(offset, size, maxBytes)
        const bytes = yield* readRange(file, plan.offset, plan.length)
        return { bytes, nextOffset: plan.offset + bytes.length, size, shrank: plan.truncated }
      })
    ).pipe(Effect.catchTag("PlatformError", (e) => Effect.fail(toError(path)(e))))
  })
  const size = Effect.fn("LogTail.size")(function* (path: string) {
    const info = yield* fs.stat(path).pipe(Effect.mapError(toError(path)))
    return Number(info.size)
  })
  return LogTail.of({ read, size })
}

/** The layer over whatever FileSystem is provided (Node's for the live app, a memory one in tests). */
export const layer: Layer.Layer<LogTail, never, FileSystem.FileSystem> = Layer.effect(
  LogTail,
  FileSystem.FileSystem.useSync(make)
)
