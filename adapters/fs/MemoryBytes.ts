/**
 * File content for MemoryTree: sparse bytes in fixed chunks plus what the last fsync made durable.
 *
 * Sparse like a real file system: a range never written reads as zeros and costs nothing, so a test can
 * truncate a log to 1 GiB and append past it. Appends after an fsync copy nothing (the durable bytes are
 * the prefix `[0, syncedLen)`); only a write or truncate below `syncedLen` snapshots the durable chunks
 * first. So a journal fsynced after every line stays O(total bytes), not O(lines × size).
 *
 * Invariant: every byte of a chunk at or past `size` is zero (a shrink zeroes or drops it), so growing
 * the file only moves `size`.
 */

const CHUNK = 64 * 1024

/** Chunk index → 64 KiB of bytes; a missing chunk reads as zeros. */
type Chunks = Map<number, Uint8Array>

/** Mutable content of one file. */
export interface Content {
  chunks: Chunks
  size: number
  /** Bytes `[0, syncedLen)` of `chunks` are durable — unless `syncedCopy` holds them instead. */
  syncedLen: number
  /** The durable chunks, once a write below `syncedLen` made `chunks` differ from them. */
  syncedCopy: { readonly chunks: Chunks; readonly size: number } | undefined
}

/** An empty, durable file. */
export const empty = (): Content => ({ chunks: new Map(), size: 0, syncedLen: 0, syncedCopy: undefined })

/** A copy of the chunks holding `[0, length)`, every byte past `length` zero. */
const cut = (chunks: Chunks, length: number): Chunks => {
  const out: Chunks = new Map()
  for (const [index, chunk] of chunks) {
    if (index * CHUNK >= length) continue
    const copy = chunk.slice()
    if ((index + 1) * CHUNK > length) copy.fill(0, length - index * CHUNK)
    out.set(index, copy)
  }
  return out
}

const readChunks = (chunks: Chunks, size: number, pos: number, into: Uint8Array): number => {
  const n = Math.max(0, Math.min(into.length, size - pos))
  for (let done = 0; done < n; ) {
    const at = pos + done
    const take = Math.min(CHUNK - (at % CHUNK), n - done)
    const chunk = chunks.get(Math.floor(at / CHUNK))
    if (chunk === undefined) into.fill(0, done, done + take)
    else into.set(chunk.subarray(at % CHUNK, (at % CHUNK) + take), done)
    done += take
  }
  return n
}

const materialise = (chunks: Chunks, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  readChunks(chunks, size, 0, out)
  return out
}

/** A copy of the current bytes. */
export const bytes = (c: Content): Uint8Array => materialise(c.chunks, c.size)

/** A copy of the bytes a power loss would keep if nothing else reached the disk. */
export const durableBytes = (c: Content): Uint8Array =>
  c.syncedCopy === undefined ? materialise(c.chunks, c.syncedLen) : materialise(c.syncedCopy.chunks, c.syncedCopy.size)

const beforeMutate = (c: Content, from: number): void => {
  if (from < c.syncedLen && c.syncedCopy === undefined)
    c.syncedCopy = { chunks: cut(c.chunks, c.syncedLen), size: c.syncedLen }
}

/** Write `data` at `pos` (a gap past the end reads as zeros). */
export const write = (c: Content, pos: number, data: Uint8Array): void => {
  beforeMutate(c, pos)
  for (let done = 0; done < data.length; ) {
    const at = pos + done
    const take = Math.min(CHUNK - (at % CHUNK), data.length - done)
    const index = Math.floor(at / CHUNK)
    const chunk = c.chunks.get(index) ?? new Uint8Array(CHUNK)
    chunk.set(data.subarray(done, done + take), at % CHUNK)
    c.chunks.set(index, chunk)
    done += take
  }
  c.size = Math.max(c.size, pos + data.length)
}

/** Cut (or zero-extend, sparsely) the file to `length` bytes. */
export const truncate = (c: Content, length: number): void => {
  beforeMutate(c, length)
  if (length < c.size) {
    for (const index of [...c.chunks.keys()]) if (index * CHUNK >= length) c.chunks.delete(index)
    c.chunks.get(Math.floor(length / CHUNK))?.fill(0, length % CHUNK)
  }
  c.size = length
}

/** Read up to `into.length` bytes at `pos`; returns the count (0 at or past the end). */
export const read = (c: Content, pos: number, into: Uint8Array): number => readChunks(c.chunks, c.size, pos, into)

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
        : { chunks: c.chunks, size: c.size }
      : { chunks: c.chunks, size: c.syncedLen + pick(c.size - c.syncedLen) }
  return { chunks: cut(kept.chunks, kept.size), size: kept.size, syncedLen: kept.size, syncedCopy: undefined }
}
