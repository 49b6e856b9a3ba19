/**
 * One index per state object, built once and shared by reconcile, computeResumePoint and
 * planRecovery (states are immutable values, so a WeakMap memo keyed by the object is pure).
 *
 * Why integers: at 100k tasks every string-keyed Map or Set the decide path builds costs a cache-
 * and GC-bound pass (a 100k-entry Map build is ~16× a 10k one). So the state's ids are hashed
 * exactly once, here, into `ids` (id → index in `state.tasks`); everything after that — decision
 * order, wave membership, categories, pane ownership — is an integer position into typed arrays.
 * Internal module: not part of the public surface (index.ts does not re-export it).
 */
import { IdTable } from "./IdTable.ts"
import type { BatchState, MergeRecord, Task } from "../State.ts"

/** The per-state index. Positions are indexes into `order`; `k` values index `state.tasks`. */
export interface StateIndex {
  /** Distinct tasks in decision order: by wave, then position in the wave, then the rest by id. */
  readonly order: ReadonlyArray<Task>
  /** Task id → index in `state.tasks` of the task kept for that id (duplicates: the greater JSON), or -1. */
  readonly ids: IdTable<string>
  /** Index in `state.tasks` → position in `order` (a duplicate maps to its kept twin's position). */
  readonly posByK: Int32Array
  /** Every wave's ids flattened, as `state.tasks` indexes (-1: no task has that id). */
  readonly waveK: Int32Array
  /** Wave `w` occupies `waveK[waveStart[w] .. waveStart[w + 1])`. */
  readonly waveStart: Int32Array
  /** Whether any task is persisted as `blocked` (planRecovery skips the unblock pass when none is). */
  readonly anyBlocked: boolean
}

const cache = new WeakMap<BatchState, StateIndex>()

const byId = (a: Task, b: Task) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const build = (state: BatchState): StateIndex => {
  const tasks = state.tasks
  const n = tasks.length
  let anyBlocked = false
  const keys = tasks.map((t) => {
    if (t.status === "blocked") anyBlocked = true // read while the task is in cache anyway
    return t.id
  })
  let duplicates = false
  // Duplicates cannot come from a valid manifest; keep one deterministically, whatever the order.
  const ids = new IdTable(keys, (kept, next) => {
    duplicates = true
    return JSON.stringify(tasks[next]) > JSON.stringify(tasks[kept])
  })
  // Walk the waves in order (linear, no sort), recording each wave id's task index on the way.
  // Arrays are allocated at their final size: growing a 100k array by push copies it ~20 times.
  const order = new Array<Task>(ids.size)
  let placed = 0
  const posByK = new Int32Array(n).fill(-1)
  let total = 0
  for (let w = 0; w < state.waves.length; w++) total += state.waves[w]!.length
  const waveK = new Int32Array(total)
  const waveStart = new Int32Array(state.waves.length + 1)
  let j = 0
  for (let w = 0; w < state.waves.length; w++) {
    waveStart[w] = j
    const wave = state.waves[w]!
    for (let i = 0; i < wave.length; i++) {
      const k = ids.get(wave[i]!)
      waveK[j++] = k
      if (k !== -1 && posByK[k] === -1) {
        posByK[k] = placed
        order[placed++] = tasks[k]!
      }
    }
  }
  waveStart[state.waves.length] = j
  if (placed < ids.size) {
    const rest: Array<Task> = []
    for (let k = 0; k < n; k++) if (posByK[k] === -1 && ids.get(keys[k]!) === k) rest.push(tasks[k]!)
    rest.sort(byId)
    for (const t of rest) {
      posByK[ids.get(t.id)] = placed
      order[placed++] = t
    }
  }
  if (duplicates) for (let k = 0; k < n; k++) if (posByK[k] === -1) posByK[k] = posByK[ids.get(keys[k]!)]!
  return { order, ids, posByK, waveK, waveStart, anyBlocked }
}

/** The index of `state`, memoised per state object. */
export const stateIndex = (state: BatchState): StateIndex => {
  const hit = cache.get(state)
  if (hit !== undefined) return hit
  const index = build(state)
  cache.set(state, index)
  return index
}

/** Position in decision order of the task with this id, or -1 when the state has none. */
export const positionOf = (index: StateIndex, id: string): number => {
  const k = index.ids.get(id)
  return k === -1 ? -1 : index.posByK[k]!
}

const byIdMapCache = new WeakMap<BatchState, ReadonlyMap<string, Task>>()

/** Tasks by id (first-seen id order), built from the index only for callers that want a Map. */
export const taskMap = (state: BatchState): ReadonlyMap<string, Task> => {
  const hit = byIdMapCache.get(state)
  if (hit !== undefined) return hit
  const { ids } = stateIndex(state)
  const map = new Map<string, Task>()
  for (const t of state.tasks) if (!map.has(t.id)) map.set(t.id, state.tasks[ids.get(t.id)]!)
  byIdMapCache.set(state, map)
  return map
}

const mergeCache = new WeakMap<ReadonlyArray<MergeRecord>, ReadonlyMap<number, ReadonlyArray<MergeRecord>>>()

/** Below this many records a scan is cheaper than building (and keeping) an index. */
const MERGE_INDEX_MIN = 32

/**
 * The merge records that can speak for `wave`, in ledger order: all of them for a short ledger,
 * else the wave's own (indexed once per ledger), so a 2 000-wave batch stays linear.
 */
export const mergesOf = (merges: ReadonlyArray<MergeRecord>, wave: number): ReadonlyArray<MergeRecord> => {
  if (merges.length < MERGE_INDEX_MIN) return merges
  let byWave = mergeCache.get(merges)
  if (byWave === undefined) {
    const m = new Map<number, Array<MergeRecord>>()
    for (const r of merges) {
      const list = m.get(r.wave)
      if (list === undefined) m.set(r.wave, [r])
      else list.push(r)
    }
    byWave = m
    mergeCache.set(merges, m)
  }
  return byWave.get(wave) ?? []
}
