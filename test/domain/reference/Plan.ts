/**
 * The straightforward reference of computeResumePoint + planRecovery as they stood before the B2
 * optimisation (commit ccca167), kept verbatim for the agreement property test. Tests only.
 */
import type { ResumePoint, TaskDecision } from "../../../core/domain/Decision.ts"
import { sessionNameFor } from "../../../core/domain/Naming.ts"
import type { Plan, PlanStep } from "../../../core/domain/Plan.ts"
import type { BatchState, MergeRecord, Task } from "../../../core/domain/State.ts"

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
export const latestMerge = (
  merges: ReadonlyArray<MergeRecord>,
  wave: number,
  lane: string
): MergeRecord | undefined => {
  let latest: MergeRecord | undefined
  for (const r of merges) {
    if (r.wave !== wave || (r.lane !== undefined && r.lane !== lane)) continue
    if (latest === undefined || r.at >= latest.at) latest = r
  }
  return latest
}

const DONE: ReadonlySet<Category> = new Set(["completed", "failed", "skipped", "blocked"])

/** How a task of a finished wave counts for its lane's merge. */
export type LaneOutcome = "succeeded" | "skipped" | "other"

/**
 * Lanes of a wave that still need a successful merge: at least one task of the lane in this wave
 * succeeded and every other was skipped (skipped is not failed; a lane with a failed, blocked or
 * unfinished task is never merged), and its latest merge record is not `succeeded`.
 */
export const lanesNeedingMerge = (
  state: BatchState,
  wave: number,
  outcome: (id: string) => LaneOutcome
): ReadonlyArray<string> => {
  // Only a batch rekindle merges (merge policy `rekindle`, the default) has merges to retry.
  if ((state.options?.mergePolicy ?? "rekindle") !== "rekindle") return []
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
    .filter(
      ([lane, tasks]) =>
        tasks.every((id) => outcome(id) !== "other") &&
        tasks.some((id) => outcome(id) === "succeeded") &&
        latestMerge(state.merges, wave, lane)?.status !== "succeeded"
    )
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
  const queue = [...category.entries()]
    .filter(([, c]) => c === "failed" || c === "skipped")
    .map(([id]) => id)
    .sort()
  for (let i = 0; i < queue.length; i++) {
    for (const child of dependents.get(queue[i]!) ?? []) {
      if (category.get(child) !== "pending") continue
      category.set(child, "blocked")
      queue.push(child)
    }
  }

  // A persisted blocked verdict the graph cannot judge (the task records no dependencies) is kept.
  for (const t of tasks.values()) {
    if (t.status === "blocked" && t.dependsOn.length === 0 && category.get(t.id) === "pending")
      category.set(t.id, "blocked")
  }

  const outcomeOf = (id: string): LaneOutcome =>
    category.get(id) === "completed" ? "succeeded" : category.get(id) === "skipped" ? "skipped" : "other"
  const mergeRetryWaves: Array<number> = []
  let resumeWave: number | undefined
  state.waves.forEach((ids, w) => {
    const done = ids.every((id) => DONE.has(category.get(id) ?? "completed"))
    if (!done) {
      if (resumeWave === undefined) resumeWave = w
      return
    }
    if (lanesNeedingMerge(state, w, outcomeOf).length > 0) mergeRetryWaves.push(w)
  })

  // One pass into buckets, in decision order.
  const buckets: Record<Category, Array<string>> = {
    completed: [],
    failed: [],
    skipped: [],
    pending: [],
    reconnect: [],
    reExecute: [],
    held: [],
    blocked: []
  }
  for (const d of decisions) {
    const c = category.get(d.taskId)
    if (c !== undefined) buckets[c].push(d.taskId)
  }
  return { ...(resumeWave === undefined ? {} : { resumeWave }), mergeRetryWaves, ...buckets }
}

/** Options of {@link planRecovery}. */
export interface RecoveryOptions {
  /** Current time (ms): relaunch back-off is compared against it. */
  readonly now: number
  /** Relaunches allowed per task before it is marked failed (default: the batch option, else 3). */
  readonly relaunchCap?: number
}

const DEFAULT_RELAUNCH_CAP = 3

const reExecuteSteps = (
  state: BatchState,
  task: Task,
  d: TaskDecision,
  options: RecoveryOptions,
  occupants: Map<string, string>
): ReadonlyArray<PlanStep> => {
  const cap = options.relaunchCap ?? state.options?.relaunchCap ?? DEFAULT_RELAUNCH_CAP
  const session = task.session ?? sessionNameFor(state.batchId, task.id)
  // Cap and back-off are checked before anything is stopped: the stale session stays for inspection.
  if (task.attempts >= cap + 1) {
    const history = (task.history ?? [])
      .map((h) => h.reason)
      .slice(-3)
      .join("; ")
    return [
      {
        _tag: "MarkTask",
        taskId: task.id,
        status: "failed",
        reason: `relaunch cap reached (${task.attempts} attempts)${history === "" ? "" : `: ${history}`}`
      }
    ]
  }
  if (task.nextAttemptAt !== undefined && task.nextAttemptAt > options.now) {
    return [
      {
        _tag: "Hold",
        taskId: task.id,
        reason: `backing off: next relaunch in ${Math.ceil((task.nextAttemptAt - options.now) / 1000)}s`
      }
    ]
  }
  const worktree = task.worktree
  if (worktree === undefined)
    return [{ _tag: "MarkTask", taskId: task.id, status: "failed", reason: "no worktree to relaunch in" }]
  // Never two agents in one worktree: a lane-mate reconnected, held or relaunched earlier holds it.
  const occupant = occupants.get(worktree)
  if (occupant !== undefined && occupant !== task.id) {
    return [
      {
        _tag: "MarkTask",
        taskId: task.id,
        status: "pending",
        reason: `its worktree ${worktree} is in use by task ${occupant}: it starts after it (never two agents in one worktree)`
      }
    ]
  }
  occupants.set(worktree, task.id)
  const steps: Array<PlanStep> = []
  if (d.stopSession === true) {
    // Stop the session actually observed (found by ownership tag), which is the stale one.
    steps.push({
      _tag: "StopSession",
      taskId: task.id,
      session: d.evidence.sessionName ?? session,
      attempt: task.attempts,
      reason: d.reason
    })
  }
  if (d.evidence.dirty !== false) {
    steps.push({
      _tag: "SnapshotWip",
      taskId: task.id,
      worktree,
      attempt: task.attempts,
      reason:
        d.evidence.dirty === true ? "worktree has uncommitted work" : "worktree state unknown: snapshot before relaunch"
    })
  }
  const resume = d.resumeConversation === true && task.conversationId !== undefined
  steps.push({
    _tag: "RelaunchAgent",
    taskId: task.id,
    mode: resume ? "resume" : "fresh",
    session,
    worktree,
    ...(task.conversationId === undefined ? {} : { conversationId: task.conversationId }),
    attempt: task.attempts + 1,
    reason: d.reason
  })
  return steps
}

const taskSteps = (
  state: BatchState,
  task: Task,
  d: TaskDecision,
  options: RecoveryOptions,
  occupants: Map<string, string>
): ReadonlyArray<PlanStep> => {
  switch (d.action) {
    case "mark-complete": {
      const status = d.outcome ?? "succeeded"
      return task.status === status ? [] : [{ _tag: "MarkTask", taskId: task.id, status, reason: d.reason }]
    }
    case "reconnect":
      return [
        {
          _tag: "Reattach",
          taskId: task.id,
          session: d.evidence.sessionName ?? task.session ?? sessionNameFor(state.batchId, task.id),
          reason: d.reason
        }
      ]
    case "re-execute":
      return reExecuteSteps(state, task, d, options, occupants)
    case "mark-failed":
      return [
        {
          _tag: "MarkTask",
          taskId: task.id,
          status: "failed",
          reason: d.reason,
          ...(d.exitStatus === undefined ? {} : { exitStatus: d.exitStatus })
        }
      ]
    case "hold":
      return [{ _tag: "Hold", taskId: task.id, reason: d.reason }]
    case "skip":
    case "pending":
      return []
  }
}

/** Build the recovery plan. */
export const planRecovery = (
  state: BatchState,
  decisions: ReadonlyArray<TaskDecision>,
  resumePoint: ResumePoint,
  options: RecoveryOptions
): Plan => {
  const tasks = tasksById(state)
  const steps: Array<PlanStep> = []
  // Worktree → the first task whose agent is (or may be) in it.
  const occupants = new Map<string, string>()
  for (const d of decisions) {
    const w = tasks.get(d.taskId)?.worktree
    if ((d.action === "reconnect" || d.action === "hold") && w !== undefined && !occupants.has(w))
      occupants.set(w, d.taskId)
  }
  for (const d of decisions) {
    const task = tasks.get(d.taskId)
    if (task !== undefined) steps.push(...taskSteps(state, task, d, options, occupants))
  }
  const blocked = new Set(resumePoint.blocked)
  for (const id of resumePoint.blocked) {
    const task = tasks.get(id)
    if (task !== undefined && task.status !== "blocked") {
      steps.push({ _tag: "MarkTask", taskId: id, status: "blocked", reason: "a dependency failed" })
    }
  }
  for (const id of resumePoint.pending) {
    const task = tasks.get(id)
    if (task !== undefined && task.status === "blocked" && !blocked.has(id)) {
      steps.push({ _tag: "MarkTask", taskId: id, status: "pending", reason: "its dependencies no longer failed" })
    }
  }
  const completed = new Set(resumePoint.completed)
  const skipped = new Set(resumePoint.skipped)
  for (const wave of resumePoint.mergeRetryWaves) {
    const lanes = lanesNeedingMerge(state, wave, (id) =>
      completed.has(id) ? "succeeded" : skipped.has(id) ? "skipped" : "other"
    )
    steps.push({ _tag: "RetryMerge", wave, lanes, reason: `wave ${wave + 1} finished but its merge did not succeed` })
  }
  const tmuxUnknown = decisions.some((d) => d.evidence.session === "unknown")
  if (resumePoint.resumeWave !== undefined) {
    if (tmuxUnknown) {
      steps.push({
        _tag: "Report",
        reason: "tmux did not answer: the batch does not continue until it can be observed"
      })
    } else {
      steps.push({
        _tag: "ContinueFromWave",
        wave: resumePoint.resumeWave,
        reason: `wave ${resumePoint.resumeWave + 1} of ${state.waves.length} has unfinished tasks`
      })
    }
  }
  return { batchId: state.batchId, steps }
}
