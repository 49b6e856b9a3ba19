/**
 * Open-addressing hash tables from a key to its index in a key array, in typed arrays.
 *
 * Why not a Map: the decide path looks up 100k ids per run, and a 100k-entry Map is an on-heap table
 * that is rehashed as it grows, scanned by every GC and spread over cache lines — measured at ~10×
 * the build time and ~5× the lookup time of these tables at 100k keys, where 10k keys fit in cache
 * either way. A table is sized once (load ≤ ½) and lives off-heap (Int32Array).
 *
 * Keys are user data, so a table whose probe sequences grow long (colliding ids) falls back to a Map:
 * the result is the same either way, only the speed differs. Internal module (not re-exported).
 */

const EMPTY = -1

/** FNV-1a over UTF-16 code units: cheap for short ids and well spread over the low bits. */
const hashString = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/** FNV-1a of `s` from `start` on: equals `hashString(s.slice(start))` without the slice. */
const hashFrom = (s: string, start: number): number => {
  let h = 0x811c9dc5
  for (let i = start; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/** Fibonacci hashing of an integer key (pids); a key beyond 32 bits folds its high bits in. */
const hashInt = (n: number): number => {
  const lo = n | 0
  const h = Math.imul(n === lo ? lo : lo ^ ((n / 4294967296) | 0), 0x9e3779b1)
  return h ^ (h >>> 16)
}

const sizeFor = (count: number): number => {
  let size = 16
  while (size < count * 2) size *= 2
  return size
}

/**
 * A table from the keys of `keys` to their index. On a repeated key, `prefer(kept, next)` says
 * whether index `next` replaces index `kept`. `get` returns -1 for a key not in the table.
 */
export class IdTable<K extends string | number> {
  /** Distinct keys. */
  readonly size: number
  private readonly keys: ReadonlyArray<K>
  private readonly slots: Int32Array
  private readonly mask: number
  private readonly fallback: Map<K, number> | undefined

  /** Index `keys` (see the class comment for `prefer`). */
  constructor(keys: ReadonlyArray<K>, prefer: (kept: number, next: number) => boolean) {
    this.keys = keys
    const size = sizeFor(keys.length)
    this.mask = size - 1
    this.slots = new Int32Array(size).fill(EMPTY)
    let distinct = 0
    let probes = 0
    const budget = 8 * keys.length + 64
    for (let k = 0; k < keys.length && probes <= budget; k++) {
      const key = keys[k]!
      let i = this.hash(key) & this.mask
      for (;;) {
        const at = this.slots[i]!
        if (at === EMPTY) {
          this.slots[i] = k
          distinct++
          break
        }
        if (same(keys[at]!, key)) {
          if (prefer(at, k)) this.slots[i] = k
          break
        }
        i = (i + 1) & this.mask
        probes++
      }
    }
    if (probes <= budget) {
      this.size = distinct
      this.fallback = undefined
      return
    }
    // Pathological collisions: a Map gives the same answers without the quadratic probing.
    const map = new Map<K, number>()
    for (let k = 0; k < keys.length; k++) {
      const kept = map.get(keys[k]!)
      if (kept === undefined || prefer(kept, k)) map.set(keys[k]!, k)
    }
    this.size = map.size
    this.fallback = map
  }

  private hash(key: K): number {
    return typeof key === "string" ? hashString(key) : hashInt(key)
  }

  /**
   * `get(s.slice(start))` without allocating the slice (string tables only): pane tags are
   * `<batch>/<task id>`, and 67k slices per reconcile are garbage for nothing.
   */
  getSuffix(this: IdTable<string>, s: string, start: number): number {
    if (this.fallback !== undefined) return this.fallback.get(s.slice(start)) ?? EMPTY
    const length = s.length - start
    let i = hashFrom(s, start) & this.mask
    for (;;) {
      const at = this.slots[i]!
      if (at === EMPTY) return at
      const key = this.keys[at]!
      if (key.length === length && s.startsWith(key, start)) return at
      i = (i + 1) & this.mask
    }
  }

  /** Index of `key` in the key array (the preferred one on repeats), or -1. */
  get(key: K): number {
    if (this.fallback !== undefined) return this.fallback.get(key) ?? EMPTY
    let i = this.hash(key) & this.mask
    for (;;) {
      const at = this.slots[i]!
      if (at === EMPTY || same(this.keys[at]!, key)) return at
      i = (i + 1) & this.mask
    }
  }
}

/** SameValueZero, as Map compares keys (NaN finds NaN). */
const same = (a: string | number, b: string | number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b))
