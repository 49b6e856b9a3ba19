/**
 * Positional reads on an open file: the only way rekindle's file adapters read part of a file. A
 * positional read leaves the handle's cursor alone, so it is safe whatever else reads the handle.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"

// One read(2) may return fewer bytes than asked (pipes, network file systems); loop up to this much.
const CHUNK = 1024 * 1024

/**
 * Read up to `length` bytes at `position`. Returns fewer only at end of file (the file may have
 * shrunk since it was measured); never more.
 */
export const readRange = Effect.fn("ReadRange.readRange")(function* (
  file: FileSystem.File,
  position: number,
  length: number
): Effect.fn.Return<Uint8Array, PlatformError.PlatformError> {
  if (length <= 0) return new Uint8Array(0)
  const out = new Uint8Array(length)
  let got = 0
  while (got < length) {
    const chunk = yield* file.readAlloc(Math.min(CHUNK, length - got), { position: BigInt(position + got) })
    if (Option.isNone(chunk) || chunk.value.length === 0) break
    out.set(chunk.value, got)
    got += chunk.value.length
  }
  return got === length ? out : out.slice(0, got)
})
