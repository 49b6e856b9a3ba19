/**
 * File content for MemoryTree: a growable byte buffer plus what the last fsync made durable.
 *
 * Appends after an fsync do not copy anything (the durable bytes are the prefix `[0, syncedLen)`);
 * only a write or truncate below `syncedLen` snapshots the durable bytes first. So a journal fsynced
 * after every line stays O(total bytes), not O(lines × size).
 */

/** Mutable content of one file. */
export interface Content {
  buf: Uint8Array
  size: number
  /** Bytes `[0, syncedLen)` of `buf` are durable — unless `syncedCopy` holds them instead. */
  syncedLen: number
  /** The durable bytes, once a write below `syncedLen` made `buf` differ from them. */
  syncedCopy: Uint8Array | undefined
}

/** An empty, durable file. */
export const empty = (): Content => ({ buf: new Uint8Array(64), size: 0, syncedLen: 0, syncedCopy: undefined })

/** A copy of the current bytes. */
export const bytes = (c: Content): Uint8Array => c.buf.slice(0, c.size)

/** A copy of the bytes a power loss would keep if nothing else reached the disk. */
export const durableBytes = (c: Content): Uint8Array => c.syncedCopy?.slice() ?? c.buf.slice(0, c.syncedLen)

const beforeMutate = (c: Content, from: number): void => {
  if (from < c.syncedLen && c.syncedCopy === undefined) c.syncedCopy = c.buf.slice(0, c.syncedLen)
}

const reserve = (c: Content, size: number): void => {
  if (size <= c.buf.length) return
  let cap = c.buf.length
  while (cap < size) cap *= 2
  const next = new Uint8Array(cap)
  next.set(c.buf.subarray(0, c.size))
  c.buf = next
}

/** Write `data` at `pos` (zero-filling a gap past the end). */
export const write = (c: Content, pos: number, data: Uint8Array): void => {
  beforeMutate(c, pos)
  const end = pos + data.length
  reserve(c, end)
  if (pos > c.size) c.buf.fill(0, c.size, pos)
  c.buf.set(data, pos)
  c.size = Math.max(c.size, end)
}

/** Cut (or zero-extend) the file to `length` bytes. */
export const truncate = (c: Content, length: number): void => {
  beforeMutate(c, length)
  reserve(c, length)
  if (length > c.size) c.buf.fill(0, c.size, length)
  c.size = length
}

/** Read up to `into.length` bytes at `pos`; returns the count (0 at or past the end). */
export const read = (c: Content, pos: number, into: Uint8Array): number => {
  if (pos >= c.size) return 0
  const n = Math.min(into.length, c.size - pos)
  into.set(c.buf.subarray(pos, pos + n))
  return n
}

/** fsync: the current bytes become durable. */
export const sync = (c: Content): void => {
  c.syncedLen = c.size
  c.syncedCopy = undefined
}

/**
 * The content after a power loss. `pick(n)` chooses an integer in [0, n]: 0 keeps only durable
 * bytes; otherwise unsynced appends survive up to a prefix, and unsynced overwrites all or nothing.
 */
export const afterCrash = (c: Content, pick: (n: number) => number): Content => {
  const kept =
    c.syncedCopy !== undefined
      ? pick(1) === 0
        ? c.syncedCopy
        : bytes(c)
      : c.buf.slice(0, c.syncedLen + pick(c.size - c.syncedLen))
  const next = empty()
  write(next, 0, kept)
  sync(next)
  return next
}
