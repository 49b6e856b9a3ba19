/**
 * Lanes and the merge ledger: which lanes of a finished wave still need a successful merge. Shared
 * by computeResumePoint (by task position) and planRecovery; the by-id functions are the public API
 * (re-exported from ResumePoint.ts).
 */
import { mergesOf, stateIndex, type StateIndex } from "./internal/StateIndex.ts"
import type { BatchState, MergeRecord, Task } from "./State.ts"

/** The lane a task's work is merged through (a task without a lane is its own lane). */
export const laneOf = (task: Task): string => task.lane ?? task.id

/**
 * The latest merge record for (wave, lane): the greatest `at`, later in the ledger on ties. A record
 * without a lane speaks for every lane of its wave.
 */
export const latestMerge = (
  merges: ReadonlyArray<MergeRecord>,
  wave: number,
  lane: string
): MergeRecord | undefined => {
  let latest: MergeRecord | undefined
  for (const r of mergesOf(merges, wave)) {
    if (r.wave !== wave || (r.lane !== undefined && r.lane !== lane)) continue
    if (latest === undefined || r.at >= latest.at) latest = r
  }
  return latest
}

/**
 * {@link lanesNeedingMerge} over task positions (see StateIndex.ts): `completedAt` is asked about
 * positions in decision order.
 */
export const lanesNeedingMergeAt = (
  state: BatchState,
  ix: StateIndex,
  wave: number,
  completedAt: (position: number) => boolean
): ReadonlyArray<string> => {
  if (!(wave >= 0 && wave < state.waves.length)) return []
  // lane → every task of the lane in this wave completed (a repeated id changes nothing).
  const lanes = new Map<string, boolean>()
  for (let j = ix.waveStart[wave]!; j < ix.waveStart[wave + 1]!; j++) {
    const k = ix.waveK[j]!
    if (k === -1) continue
    const p = ix.posByK[k]!
    const lane = laneOf(ix.order[p]!)
    const ok = lanes.get(lane) !== false && completedAt(p)
    lanes.set(lane, ok)
  }
  const out: Array<string> = []
  for (const [lane, ok] of lanes)
    if (ok && latestMerge(state.merges, wave, lane)?.status !== "succeeded") out.push(lane)
  return out.sort()
}

/**
 * Lanes of a wave that still need a successful merge: every task of the lane in this wave completed
 * (a mixed lane is never merged) and its latest merge record is not `succeeded`.
 */
export const lanesNeedingMerge = (
  state: BatchState,
  wave: number,
  completed: (id: string) => boolean
): ReadonlyArray<string> => {
  const ix = stateIndex(state)
  return lanesNeedingMergeAt(state, ix, wave, (p) => completed(ix.order[p]!.id))
}
