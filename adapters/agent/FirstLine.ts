/**
 * The first line of a file, read in bounded chunks (an agent's metadata record opens its transcript;
 * the rest may be hundreds of megabytes). Undefined when the file has no complete first line yet.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as PlatformError from "effect/PlatformError"
import { readRange } from "../logs/ReadRange.ts"

/** A first line longer than this is not read (reported as absent). */
const MAX_FIRST_LINE = 4 * 1024 * 1024
const CHUNK = 64 * 1024

/** The first `\n`-terminated line of `file`, without the newline. */
export const firstLine = (
  fs: FileSystem.FileSystem,
  file: string
): Effect.Effect<string | undefined, PlatformError.PlatformError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* fs.open(file, { flag: "r" })
      const parts: Array<Uint8Array> = []
      for (let at = 0; at < MAX_FIRST_LINE; at += CHUNK) {
        const chunk = yield* readRange(handle, at, CHUNK)
        if (chunk.length === 0) return undefined
        const i = chunk.indexOf(0x0a)
        if (i !== -1) {
          parts.push(chunk.subarray(0, i))
          return Buffer.concat(parts).toString("utf8")
        }
        parts.push(chunk)
      }
      return undefined
    })
  ).pipe(Effect.catchReason("PlatformError", "NotFound", () => Effect.succeed(undefined)))
