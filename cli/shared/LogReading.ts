/**
 * Reading a pane log through the LogTail port: the tail (whole lines, UTF-8), and a follow loop that
 * prints complete lines as they are appended (a partial line waits for its newline; a file that
 * shrank is read again from its start), polling until the pane has ended and nothing is left.
 */
import * as Effect from "effect/Effect"
import { fail } from "../../core/engine/support/Errors.ts"
import type { LogTailShape } from "../../core/ports/LogTail.ts"
import { LogTail } from "../../core/ports/LogTail.ts"

/** How often `--follow` looks for new output. */
const FOLLOW_POLL_MS = 500
const CHUNK = 64 * 1024

const ioError = (e: { readonly message: string }) =>
  fail("E_IO", `cannot read the log: ${e.message}`, "check the .rekindle directory")

/** The last `maxBytes` of the log, starting at a line boundary; a missing log is empty. */
export const readTail = Effect.fn("cli.readTail")(function* (path: string, maxBytes: number) {
  const tail = yield* LogTail
  const size = yield* tail.size(path).pipe(
    Effect.catchIf(
      (e) => e.reason === "NotFound",
      () => Effect.succeed(0)
    ),
    Effect.mapError(ioError)
  )
  if (size === 0) return { size: 0, text: "" }
  // One byte before the window tells whether it starts on a line boundary.
  const start = Math.max(0, size - maxBytes - 1)
  const parts: Array<Uint8Array> = []
  let offset = start
  while (offset < size) {
    const chunk = yield* tail.read(path, offset, Math.min(CHUNK, size - offset)).pipe(Effect.mapError(ioError))
    if (chunk.bytes.length === 0) break
    parts.push(chunk.bytes)
    offset = chunk.nextOffset
  }
  let text = new TextDecoder().decode(Buffer.concat(parts))
  // Started mid-file: drop everything up to the first line boundary (at least the extra byte).
  if (start > 0) text = text.slice(text.indexOf("\n") + 1)
  return { size: offset, text }
})

/** Print appended complete lines from `offset` until `alive` is false and the log is drained. */
export const followLog = Effect.fn("cli.followLog")(function* (
  tail: LogTailShape,
  path: string,
  offset: number,
  alive: Effect.Effect<boolean>,
  print: (line: string) => Effect.Effect<void>
) {
  const decoder = new TextDecoder()
  let pending = ""
  let at = offset
  for (;;) {
    const running = yield* alive
    const chunk = yield* tail.read(path, at, CHUNK).pipe(
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => Effect.succeed(undefined)
      ),
      Effect.mapError(ioError)
    )
    if (chunk !== undefined && chunk.bytes.length > 0) {
      if (chunk.shrank) pending = ""
      at = chunk.nextOffset
      pending += decoder.decode(chunk.bytes, { stream: true })
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      yield* Effect.forEach(lines, print, { discard: true })
      continue
    }
    if (!running) break
    yield* Effect.sleep(FOLLOW_POLL_MS)
  }
  if (pending !== "") yield* print(pending)
})
