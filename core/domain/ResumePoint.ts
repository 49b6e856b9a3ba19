/**
 * computeResumePoint: where the batch continues. Every task id lands in exactly one category; failed
 * tasks block their transitive dependents (each counted once); waves whose tasks are done but whose
 * merge did not succeed are merged again, never re-run.
 *
 * Categories live in a byte per task position (StateIndex.ts), not in a Map keyed by id: ids are
 * hashed once per decision, and waves, dependents and lanes are walked by integer position.
 */
import type { ResumePoint, TaskDecision } from "./Decision.ts"
import { lanesNeedingMergeAt, type LaneOutcome } from "./Lanes.ts"
import { positionOf, stateIndex, taskMap, type StateIndex } from "./internal/StateIndex.ts"
import type { BatchState, Task } from "./State.ts"

export { laneMergeable, laneOf, laneOutcomeOf, lanesNeedingMerge, latestMerge, tasksToStart } from "./Lanes.ts"

// Category codes (0: the task has no decision). Index = code - 1 in BUCKETS.
const COMPLETED = 1,
  FAILED = 2,
  SKIPPED = 3,
  PENDING = 4,
  RECONNECT = 5,
  RE_EXECUTE = 6,
  HELD = 7,
  BLOCKED = 8

const categoryOf = (d: TaskDecision, task: Task | undefined): number => {
  switch (d.action) {
    case "mark-complete":
      return d.outcome === "failed" ? FAILED : COMPLETED
    case "reconnect":
      return RECONNECT
    case "re-execute":
      return RE_EXECUTE
    case "mark-failed":
      return FAILED
    case "hold":
      return HELD
    case "pending":
      return PENDING
    case "skip":
      return task?.status === "succeeded" ? COMPLETED : task?.status === "skipped" ? SKIPPED : FAILED
  }
}

const outcomeOfCategory = (c: number): LaneOutcome =>
  c === COMPLETED ? "succeeded" : c === SKIPPED ? "skipped" : "other"

/**
 * Whether a task persisted as blocked stays blocked whatever its decision: only its dependencies can
 * prove the verdict wrong, and it records none (taskplane's `blockedTaskIds` imported without them).
 */
export const keepsBlockedVerdict = (task: Task): boolean => task.status === "blocked" && task.dependsOn.length === 0

const isDone = (c: number) => c === COMPLETED || c === FAILED || c === SKIPPED || c === BLOCKED

/**
 * Tasks by id, memoised per state object (states are immutable values). Duplicate ids cannot come
 * from a valid manifest; one is kept deterministically (the greater JSON).
 */
export const tasksById = (state: BatchState): ReadonlyMap<string, Task> => taskMap(state)

/**
 * Mark pending dependents of failed/skipped tasks blocked, transitively, over reverse edges built
 * only when something failed. `other` holds categories of decisions whose id is no task of the state
 * (a dependency may still name such an id).
 */
const blockDependents = (
  state: BatchState,
  ix: StateIndex,
  cat: Uint8Array,
  other: ReadonlyMap<string, number> | undefined
) => {
  const queue: Array<number> = []
  for (let p = 0; p < cat.length; p++) if (cat[p] === FAILED || cat[p] === SKIPPED) queue.push(p)
  const roots = other === undefined ? [] : [...other].filter(([, c]) => c === FAILED || c === SKIPPED).map(([id]) => id)
  if (queue.length === 0 && roots.length === 0) return
  const children: Array<Array<number> | undefined> = []
  const viaOther = new Map<string, Array<number>>()
  const rootSet = new Set(roots)
  state.tasks.forEach((t, k) => {
    for (const dep of t.dependsOn) {
      const kd = ix.ids.get(dep)
      if (kd !== -1) (children[ix.posByK[kd]!] ??= []).push(ix.posByK[k]!)
      else if (rootSet.has(dep)) {
        const list = viaOther.get(dep)
        if (list === undefined) viaOther.set(dep, [ix.posByK[k]!])
        else list.push(ix.posByK[k]!)
      }
    }
  })
  const visit = (child: number) => {
    if (cat[child] !== PENDING) return
    cat[child] = BLOCKED
    queue.push(child)
  }
  for (const id of roots) for (const child of viaOther.get(id) ?? []) visit(child)
  for (let i = 0; i < queue.length; i++) for (const child of children[queue[i]!] ?? []) visit(child)
}

/** Compute the resume point from the state and the decisions of {@link reconcile}. */
export const computeResumePoint = (state: BatchState, decisions: ReadonlyArray<TaskDecision>): ResumePoint => {
  const ix = stateIndex(state)
  const cat = new Uint8Array(ix.order.length)
  const at = new Int32Array(decisions.length) // decision → task position, -1 for an id the state lacks
  let other: Map<string, number> | undefined
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!
    // Decisions straight from reconcile are in task order: an identity check, no id lookup.
    const p = ix.order[i]?.id === d.taskId ? i : positionOf(ix, d.taskId)
    at[i] = p
    if (p === -1) (other ??= new Map()).set(d.taskId, categoryOf(d, undefined))
    else cat[p] = categoryOf(d, ix.order[p])
  }
  blockDependents(state, ix, cat, other)
  // A blocked verdict the graph cannot judge (no dependencies recorded: an imported orchestrator's own
  // verdict) is kept, never read as "its dependencies no longer failed".
  if (ix.anyBlocked)
    for (let p = 0; p < cat.length; p++) if (cat[p] === PENDING && keepsBlockedVerdict(ix.order[p]!)) cat[p] = BLOCKED

  // A wave id without a decision counts as completed (as it always has).
  const catOfWaveId = (w: number, j: number): number => {
    const k = ix.waveK[j]!
    const c = k === -1 ? other?.get(state.waves[w]![j - ix.waveStart[w]!]!) : cat[ix.posByK[k]!]
    return c === undefined || c === 0 ? COMPLETED : c
  }
  const mergeRetryWaves: Array<number> = []
  let resumeWave: number | undefined
  for (let w = 0; w < state.waves.length; w++) {
    let done = true
    for (let j = ix.waveStart[w]!; j < ix.waveStart[w + 1]! && done; j++) done = isDone(catOfWaveId(w, j))
    if (!done) resumeWave ??= w
    else if (lanesNeedingMergeAt(state, ix, w, (p) => outcomeOfCategory(cat[p]!)).length > 0) mergeRetryWaves.push(w)
  }

  // Buckets in decision order, each allocated at its final size (count, then fill).
  const code = new Uint8Array(decisions.length)
  const size = [0, 0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < decisions.length; i++) {
    const c = at[i] === -1 ? other!.get(decisions[i]!.taskId)! : cat[at[i]!]!
    code[i] = c
    size[c - 1]!++
  }
  const b = size.map((n) => new Array<string>(n))
  const fill = [0, 0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < decisions.length; i++) {
    const c = code[i]! - 1
    b[c]![fill[c]!++] = decisions[i]!.taskId
  }
  const [completed, failed, skipped, pending, reconnect, reExecute, held, blocked] = b as [
    Array<string>,
    Array<string>,
    Array<string>,
    Array<string>,
    Array<string>,
    Array<string>,
    Array<string>,
    Array<string>
  ]
  return resumeWave === undefined
    ? { mergeRetryWaves, completed, failed, skipped, pending, reconnect, reExecute, held, blocked }
    : { resumeWave, mergeRetryWaves, completed, failed, skipped, pending, reconnect, reExecute, held, blocked }
}
