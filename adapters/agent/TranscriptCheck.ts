/**
 * Is a transcript file whole enough to resume? For JSONL: non-empty, and its first and last COMPLETE
 * lines parse as JSON objects (a torn, unterminated last line — the agent died mid-write — is ignored,
 * as the agents themselves ignore it). Only those two lines are read, by positional reads scanning
 * from each end, so a 500 MB transcript costs two lines, not 500 MB.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as PlatformError from "effect/PlatformError"
import type { TranscriptFormat } from "../../core/ports/AgentLauncher.ts"
import { readRange } from "../logs/ReadRange.ts"

const SCAN = 64 * 1024
/** A longer line is not checked (reported invalid): bounds memory and time on a corrupt file. */
const MAX_LINE = 64 * 1024 * 1024
const LF = 0x0a
const TOO_LONG = -2

/** The verdict on one file. */
interface FileVerdict {
  readonly valid: boolean
  readonly reason: string
}

type Fx<A> = Effect.Effect<A, PlatformError.PlatformError>

/** Position of the first `\n` in `[from, limit)`, -1 if none, TOO_LONG past MAX_LINE bytes scanned. */
const findForward = (file: FileSystem.File, from: number, limit: number): Fx<number> =>
  Effect.gen(function* () {
    for (let at = from; at < limit; at += SCAN) {
      if (at - from > MAX_LINE) return TOO_LONG
      const chunk = yield* readRange(file, at, Math.min(SCAN, limit - at))
      const i = chunk.indexOf(LF)
      if (i !== -1) return at + i
      if (chunk.length === 0) return -1
    }
    return -1
  })

/** Position of the last `\n` in `[0, before)`, -1 if none, TOO_LONG past MAX_LINE bytes scanned. */
const findBackward = (file: FileSystem.File, before: number): Fx<number> =>
  Effect.gen(function* () {
    for (let end = before; end > 0; end -= SCAN) {
      if (before - end > MAX_LINE) return TOO_LONG
      const start = Math.max(0, end - SCAN)
      const chunk = yield* readRange(file, start, end - start)
      const i = chunk.lastIndexOf(LF)
      if (i !== -1) return start + i
    }
    return -1
  })

const decoder = new TextDecoder("utf-8", { fatal: true })

/** Whether the bytes are one JSON object (a trailing `\r` allowed). */
const isJsonObjectLine = (bytes: Uint8Array): boolean => {
  try {
    const text = decoder.decode(bytes).replace(/\r$/, "")
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

const lineOk = (file: FileSystem.File, start: number, end: number): Fx<boolean> =>
  Effect.map(readRange(file, start, end - start), isJsonObjectLine)

/** Check an open transcript of `size` bytes in the given format. */
const checkOpenFile = Effect.fn("TranscriptCheck.checkOpenFile")(function* (
  file: FileSystem.File,
  size: number,
  format: TranscriptFormat
): Effect.fn.Return<FileVerdict, PlatformError.PlatformError> {
  if (size === 0) return { valid: false, reason: "transcript is empty" }
  if (format === "text") return { valid: true, reason: `transcript present (${size} bytes; content not checkable)` }
  const firstEnd = yield* findForward(file, 0, size)
  if (firstEnd === TOO_LONG) return { valid: false, reason: "first line is longer than 64 MiB; not checked" }
  if (firstEnd === -1) return { valid: false, reason: "no complete line (the only line is unterminated)" }
  if (!(yield* lineOk(file, 0, firstEnd))) return { valid: false, reason: "first line is not a JSON object" }
  const lastEnd = yield* findBackward(file, size)
  if (lastEnd === TOO_LONG) return { valid: false, reason: "unterminated tail is longer than 64 MiB; not checked" }
  if (lastEnd === firstEnd) return { valid: true, reason: "one complete JSON line" }
  const before = yield* findBackward(file, lastEnd)
  if (before === TOO_LONG) return { valid: false, reason: "last line is longer than 64 MiB; not checked" }
  if (!(yield* lineOk(file, before + 1, lastEnd)))
    return { valid: false, reason: "last complete line is not a JSON object" }
  const torn = lastEnd + 1 < size ? " (torn last line ignored)" : ""
  return { valid: true, reason: `first and last complete lines are JSON${torn}` }
})

/** Open `path` and check it; the handle is closed before returning. */
export const checkFile = (fs: FileSystem.FileSystem, path: string, format: TranscriptFormat): Fx<FileVerdict> =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* fs.open(path, { flag: "r" })
      const info = yield* file.stat
      if (info.type !== "File") return { valid: false, reason: `${path} is not a regular file` }
      return yield* checkOpenFile(file, Number(info.size), format)
    })
  )
