/**
 * Pure codec for `events.jsonl`: one event as one line, and a whole file back into events.
 *
 * Reading never fails on content. A line is an event exactly when it decodes, wherever it sits. The
 * file "has a torn tail" when it does not end cleanly — no final newline (a write cut short by a
 * crash), or a malformed last line; a malformed last line is ignored without being counted, any
 * other malformed line is counted in `skipped` with its byte offset. Blank lines are ignored (the
 * appender writes a lone newline to close off a fragment left by a crash).
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { JournalEvent, type JournalContents } from "../../core/ports/Journal.ts"

const encodeEvent = Schema.encodeUnknownSync(JournalEvent)
const decodeEvent = Schema.decodeUnknownResult(JournalEvent)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The bytes of one journal line (JSON + "\n"), or the reason the event cannot be written. */
export const encodeLine = (event: JournalEvent): Result.Result<Uint8Array, string> => {
  try {
    const json = JSON.stringify(encodeEvent(event))
    return Result.succeed(encoder.encode(`${json}\n`))
  } catch (e) {
    return Result.fail(e instanceof Error ? e.message : String(e))
  }
}

const parseLine = (bytes: Uint8Array): JournalEvent | undefined => {
  try {
    const r = decodeEvent(JSON.parse(decoder.decode(bytes)))
    return Result.isSuccess(r) ? r.success : undefined
  } catch {
    return undefined
  }
}

const isBlank = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0d)

/** Every event in `bytes`, in order, with what had to be left out. */
export const parseJournal = (bytes: Uint8Array): JournalContents => {
  const events: Array<JournalEvent> = []
  const bad: Array<number> = []
  let lastLineBad = false
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end === -1) end = bytes.length
    const line = bytes.subarray(start, end)
    if (!isBlank(line)) {
      const event = parseLine(line)
      if (event === undefined) bad.push(start)
      else events.push(event)
      lastLineBad = event === undefined
    }
    start = end + 1
  }
  const unterminated = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a
  const skippedAt = lastLineBad ? bad.slice(0, -1) : bad
  return { events, tornTail: unterminated || lastLineBad, skipped: skippedAt.length, skippedAt }
}

/** True when `bytes` (a file's content) ends in the middle of a line. */
export const endsMidLine = (lastByte: number | undefined): boolean => lastByte !== undefined && lastByte !== 0x0a
