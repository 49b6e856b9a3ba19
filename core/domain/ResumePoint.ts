/**
 * computeResumePoint: where the batch continues. Every task id lands in exactly one category; failed
 * tasks block their transitive dependents (each counted once); waves whose tasks are done but whose
 * merge did not succeed are merged again, never re-run.
 */
import type { ResumePoint, TaskDecision } from "./Decision.ts"
import type { BatchState, MergeRecord, Task } from "./State.ts"

type Category = "completed" | "failed" | "skipped" | "pending" | "reconnect" | "reExecute" | "held" | "blocked"

const categoryOf = (d: TaskDecision, task: Task | undefined): Category => {
  switch (d.action) {
    case "mark-complete":
      return d.outcome === "failed" ? "failed" : "completed"
    case "reconnect":
      return "reconnect"
    case "re-execute":
      return "reExecute"
    case "mark-failed":
      return "failed"
    case "hold":
      return "held"
    case "pending":
      return "pending"
    case "skip":
      return task?.status === "succeeded" ? "completed" : task?.status === "skipped" ? "skipped" : "failed"
  }
}

const byIdCache = new WeakMap<BatchState, ReadonlyMap<string, Task>>()

/**
 * Tasks by id, memoised per state object (states are immutable values) and shared by reconcile,
 * computeResumePoint and planRecovery: at 100k tasks one map build is a real share of the time.
 * Duplicate ids cannot come from a valid manifest; one is kept deterministically (the greater JSON).
 */
export const tasksById = (state: BatchState): ReadonlyMap<string, Task> => {
  const hit = byIdCache.get(state)
  if (hit !== undefined) return hit
  const map = new Map<string, Task>()
  for (const t of state.tasks) {
    const prev = map.get(t.id)
    if (prev === undefined || JSON.stringify(t) > JSON.stringify(prev)) map.set(t.id, t)
  }
  byIdCache.set(state, map)
  return map
}

/** The lane a task's work is merged through (a task without a lane is its own lane). */
export const laneOf = (task: Task): string => task.lane ?? task.id

/**
 * The latest merge record for (wave, lane): the greatest `at`, later in the ledger on ties. A record
 * without a lane speaks for every lane of its wave.
 */
export const latestMerge = (merges: ReadonlyArray<MergeRecord>, wave: number, lane: string): MergeRecord | undefined => {
  let latest: MergeRecord | undefined
  for (const r of merges) {
    if (r.wave !== wave || (r.lane !== undefined && r.lane !== lane)) continue
    if (latest === undefined || r.at >= latest.at) latest = r
  }
  return latest
}

const DONE: ReadonlySet<Category> = new Set(["completed", "failed", "skipped", "blocked"])

/**
 * Lanes of a wave that still need a successful merge: every task of the lane in this wave completed
 * (a mixed lane is never merged) and its latest merge record is not `succeeded`.
 */
export const lanesNeedingMerge = (
  state: BatchState,
  wave: number,
  completed: (id: string) => boolean
): ReadonlyArray<string> => {
  const tasks = tasksById(state)
  const byLane = new Map<string, Array<string>>()
  for (const id of new Set(state.waves[wave] ?? [])) {
    const task = tasks.get(id)
    if (task === undefined) continue
    const lane = byLane.get(laneOf(task))
    if (lane === undefined) byLane.set(laneOf(task), [id])
    else lane.push(id)
  }
  return [...byLane.entries()]
    .filter(([lane, tasks]) => tasks.every(completed) && latestMerge(state.merges, wave, lane)?.status !== "succeeded")
    .map(([lane]) => lane)
    .sort()
}

/** Compute the resume point from the state and the decisions of {@link reconcile}. */
export const computeResumePoint = (state: BatchState, decisions: ReadonlyArray<TaskDecision>): ResumePoint => {
  const tasks = tasksById(state)
  const category = new Map<string, Category>()
  for (const d of decisions) category.set(d.taskId, categoryOf(d, tasks.get(d.taskId)))

  // Block pending dependents of failed/skipped tasks, transitively, in one pass over reverse edges.
  const dependents = new Map<string, Array<string>>()
  for (const t of state.tasks) {
    for (const dep of t.dependsOn) {
      const list = dependents.get(dep)
      if (list === undefined) dependents.set(dep, [t.id])
      else list.push(t.id)
    }
  }
  const queue = [...category.entries()].filter(([, c]) => c === "failed" || c === "skipped").map(([id]) => id).sort()
  for (let i = 0; i < queue.length; i++) {
    for (const child of dependents.get(queue[i]!) ?? []) {
      if (category.get(child) !== "pending") continue
      category.set(child, "blocked")
      queue.push(child)
    }
  }

  const isCompleted = (id: string) => category.get(id) === "completed"
  const mergeRetryWaves: Array<number> = []
  let resumeWave: number | undefined
  state.waves.forEach((ids, w) => {
    const done = ids.every((id) => DONE.has(category.get(id) ?? "completed"))
    if (!done) {
      if (resumeWave === undefined) resumeWave = w
      return
    }
    if (lanesNeedingMerge(state, w, isCompleted).length > 0) mergeRetryWaves.push(w)
  })

  // One pass into buckets, in decision order.
  const buckets: Record<Category, Array<string>> = {
    completed: [], failed: [], skipped: [], pending: [], reconnect: [], reExecute: [], held: [], blocked: []
  }
  for (const d of decisions) {
    const c = category.get(d.taskId)
    if (c !== undefined) buckets[c].push(d.taskId)
  }
  return { ...(resumeWave === undefined ? {} : { resumeWave }), mergeRetryWaves, ...buckets }
}
