/**
 * Log checkpoint arithmetic for tailing a task's pane log across supervisor restarts.
 *
 * Everything is computed on BYTES, never on decoded text: a byte offset is the only position that means
 * the same thing before and after a crash, and decoding a chunk that ends inside a multi-byte UTF-8
 * character would corrupt that character. So bytes are split on `\n` first and only complete lines are
 * decoded; the unterminated tail (the *carry*) is excluded from the persisted checkpoint so it is read
 * again, whole, after a restart. Reading `[checkpoint, EOF)` then yields every line exactly once.
 */
import * as Schema from "effect/Schema"
import { Count } from "./Ids.ts"

const LF = 0x0a
const CR = 0x0d

// Non-fatal: a log may contain any bytes; invalid sequences become U+FFFD instead of failing the tail.
// ignoreBOM: a U+FEFF at the start of a line is log content, not a byte-order mark, and must survive.
// No `stream: true`: each call decodes one complete line, so the decoder carries no state between calls.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })

/** The result of {@link splitLines}: complete decoded lines, and the unterminated remainder as bytes. */
export interface SplitLines {
  readonly lines: ReadonlyArray<string>
  readonly carry: Uint8Array
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * Split `carry + chunk` into complete lines (terminated by `\n`, with one trailing `\r` removed) and
 * the unterminated remainder. Lines are decoded as UTF-8 only once complete, so a character split
 * across chunks is never corrupted. The returned carry is a copy: readers often reuse chunk buffers.
 */
export const splitLines = (carry: Uint8Array, chunk: Uint8Array): SplitLines => {
  const bytes = concat(carry, chunk)
  const lines: Array<string> = []
  let start = 0
  // Scan from 0, not from the carry's end: the concat already costs O(carry), and a caller-built carry
  // that does contain a newline still yields its lines instead of silently hiding them.
  let nl = bytes.indexOf(LF, 0)
  while (nl !== -1) {
    const end = nl > start && bytes[nl - 1] === CR ? nl - 1 : nl
    lines.push(decoder.decode(bytes.subarray(start, end)))
    start = nl + 1
    nl = bytes.indexOf(LF, start)
  }
  return { lines, carry: bytes.slice(start) }
}

/**
 * The offset to persist after reading the file up to byte `readUpTo` (exclusive): the bytes consumed
 * minus the carry, so an unterminated last line is re-read next time rather than lost or split.
 * Never negative (a carry longer than what was read is a caller bug; 0 re-reads everything, which is safe).
 */
export const checkpointAfter = (readUpTo: number, carry: Uint8Array): number => Math.max(0, readUpTo - carry.length)

/** Where to resume reading, and whether the log was truncated (rotated) below the checkpoint. */
export const ResumeOffset = Schema.Struct({
  offset: Count,
  /** The file is shorter than the checkpoint: it was truncated or replaced, so reading restarts at 0. */
  truncated: Schema.Boolean
})
/** @see ResumeOffset */
export type ResumeOffset = typeof ResumeOffset.Type

const isOffset = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * Clamp a persisted checkpoint against the current file size. When the file shrank below the
 * checkpoint it was truncated or rotated: restart at 0 and say so (the caller reports it). A checkpoint
 * that is not a byte offset at all (negative, fractional, NaN) also restarts at 0, since nothing after
 * it can be trusted. Note: a file truncated and then regrown past the checkpoint is indistinguishable
 * by size alone; detecting that needs a file identity (inode) the caller owns.
 */
export const resumeOffset = (checkpoint: number, fileSize: number): ResumeOffset => {
  if (!isOffset(checkpoint)) return { offset: 0, truncated: false }
  if (isOffset(fileSize) && checkpoint > fileSize) return { offset: 0, truncated: true }
  return { offset: checkpoint, truncated: false }
}

/** One bounded read: `length` bytes from `offset` (0 when caught up), after clamping the checkpoint. */
export const ReadPlan = Schema.Struct({
  offset: Count,
  length: Count,
  truncated: Schema.Boolean
})
/** @see ReadPlan */
export type ReadPlan = typeof ReadPlan.Type

/**
 * The next read for a tail loop: resume from the clamped checkpoint and read at most `maxChunk` bytes
 * (at least 1 when data is pending, so a bad `maxChunk` cannot stall the tail forever).
 */
export const readPlan = (checkpoint: number, fileSize: number, maxChunk: number): ReadPlan => {
  const { offset, truncated } = resumeOffset(checkpoint, fileSize)
  const available = isOffset(fileSize) ? Math.max(0, fileSize - offset) : 0
  const limit = isOffset(maxChunk) && maxChunk > 0 ? maxChunk : 1
  return { offset, length: Math.min(available, limit), truncated }
}
