/**
 * Lanes and the merge ledger: which lanes of a finished wave still need a successful merge. Shared
 * by computeResumePoint (by task position) and planRecovery; the by-id functions are the public API
 * (re-exported from ResumePoint.ts).
 */
import { mergesOf, stateIndex, type StateIndex } from "./internal/StateIndex.ts"
import { rekindleMerges, type BatchState, type MergeRecord, type Task } from "./State.ts"

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

/** How a task of a finished wave counts for its lane's merge. */
export type LaneOutcome = "succeeded" | "skipped" | "other"

/**
 * Whether a lane whose tasks ended so is merged: at least one succeeded and every other was skipped.
 * Skipped is not failed (taskplane merges such a lane too); a failed, blocked or unfinished task keeps
 * the lane unmerged (a mixed lane is never merged).
 */
export const laneMergeable = (outcomes: Iterable<LaneOutcome>): boolean => {
  let succeeded = false
  for (const o of outcomes) {
    if (o === "other") return false
    if (o === "succeeded") succeeded = true
  }
  return succeeded
}

/** A persisted status as a {@link LaneOutcome}. */
export const laneOutcomeOf = (status: Task["status"]): LaneOutcome =>
  status === "succeeded" ? "succeeded" : status === "skipped" ? "skipped" : "other"

/**
 * {@link lanesNeedingMerge} over task positions (see StateIndex.ts): `outcomeAt` is asked about
 * positions in decision order.
 */
export const lanesNeedingMergeAt = (
  state: BatchState,
  ix: StateIndex,
  wave: number,
  outcomeAt: (position: number) => LaneOutcome
): ReadonlyArray<string> => {
  if (!(wave >= 0 && wave < state.waves.length)) return []
  // A batch whose host merges (or that is never merged) has no merge for rekindle to wait on or retry.
  if (!rekindleMerges(state)) return []
  // lane → the outcomes of its tasks in this wave, folded as laneMergeable does (a repeated id changes
  // nothing): 0 only skipped so far, 1 some succeeded, -1 not mergeable.
  const lanes = new Map<string, number>()
  for (let j = ix.waveStart[wave]!; j < ix.waveStart[wave + 1]!; j++) {
    const k = ix.waveK[j]!
    if (k === -1) continue
    const p = ix.posByK[k]!
    const lane = laneOf(ix.order[p]!)
    const sofar = lanes.get(lane) ?? 0
    if (sofar === -1) continue
    const o = outcomeAt(p)
    lanes.set(lane, o === "other" ? -1 : o === "succeeded" ? 1 : sofar)
  }
  const out: Array<string> = []
  for (const [lane, fold] of lanes)
    if (fold === 1 && latestMerge(state.merges, wave, lane)?.status !== "succeeded") out.push(lane)
  return out.sort()
}

/**
 * Lanes of a wave that still need a successful merge: {@link laneMergeable} over the outcomes of the
 * lane's tasks in this wave, and its latest merge record is not `succeeded`.
 */
export const lanesNeedingMerge = (
  state: BatchState,
  wave: number,
  outcome: (id: string) => LaneOutcome
): ReadonlyArray<string> => {
  const ix = stateIndex(state)
  return lanesNeedingMergeAt(state, ix, wave, (p) => outcome(ix.order[p]!.id))
}

/**
 * The pending tasks to start now, in order, at most `slots`: never one whose worktree another task
 * already works in (running or stalled) or that an earlier pick takes. Lane-mates share their lane's
 * worktree and so run one after another, as the lane runs them — never two agents in one checkout.
 * A task without a worktree gets its own when it starts and never waits.
 */
export const tasksToStart = (tasks: ReadonlyArray<Task>, slots: number): ReadonlyArray<Task> => {
  const busy = new Set<string>()
  for (const t of tasks)
    if ((t.status === "running" || t.status === "stalled") && t.worktree !== undefined) busy.add(t.worktree)
  const out: Array<Task> = []
  for (const t of tasks) {
    if (out.length >= slots) break
    if (t.status !== "pending") continue
    if (t.worktree !== undefined) {
      if (busy.has(t.worktree)) continue
      busy.add(t.worktree)
    }
    out.push(t)
  }
  return out
}
