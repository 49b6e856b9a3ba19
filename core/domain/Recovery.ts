/**
 * planRecovery: the ordered Plan the engine will execute — nothing more. Per task first (in decision
 * order), then merge retries (wave order), then where the wave executor continues.
 *
 * Safety rules encoded here: a re-execute stops the stale session before anything else, snapshots a
 * worktree unless it is known clean, and relaunches at most `relaunchCap` times (then the task is
 * marked failed with its history); nothing is launched or continued while tmux cannot be observed.
 */
import type { ResumePoint, TaskDecision } from "./Decision.ts"
import { sessionNameFor } from "./Naming.ts"
import type { Plan, PlanStep } from "./Plan.ts"
import { lanesNeedingMergeAt } from "./Lanes.ts"
import { tasksById } from "./ResumePoint.ts"
import { positionOf, stateIndex } from "./internal/StateIndex.ts"
import type { BatchState, Task } from "./State.ts"

/** Options of {@link planRecovery}. */
export interface RecoveryOptions {
  /** Current time (ms): relaunch back-off is compared against it. */
  readonly now: number
  /** Relaunches allowed per task before it is marked failed (default: the batch option, else 3). */
  readonly relaunchCap?: number
}

const DEFAULT_RELAUNCH_CAP = 3

// Steps are pushed straight into the plan (no per-task array, spread or closure): at 100k tasks
// planRecovery allocates little beyond the steps themselves.
/**
 * Worktree → the task whose agent is (or may be) in it: reconnected or held. Relaunches claim theirs
 * as the plan is built. Empty for most states (a worktree of its own per task).
 */
type Occupants = Map<string, string>

const occupantsOf = (decisions: ReadonlyArray<TaskDecision>, taskOf: (id: string) => Task | undefined): Occupants => {
  const out: Occupants = new Map()
  for (const d of decisions) {
    if (d.action !== "reconnect" && d.action !== "hold") continue
    const w = taskOf(d.taskId)?.worktree
    if (w !== undefined && !out.has(w)) out.set(w, d.taskId)
  }
  return out
}

const pushReExecute = (
  steps: Array<PlanStep>,
  state: BatchState,
  task: Task,
  d: TaskDecision,
  options: RecoveryOptions,
  occupants: Occupants
) => {
  const cap = options.relaunchCap ?? state.options?.relaunchCap ?? DEFAULT_RELAUNCH_CAP
  // Cap and back-off are checked before anything is stopped: the stale session stays for inspection.
  if (task.attempts >= cap + 1) {
    const history = (task.history ?? [])
      .map((h) => h.reason)
      .slice(-3)
      .join("; ")
    steps.push({
      _tag: "MarkTask",
      taskId: task.id,
      status: "failed",
      reason: `relaunch cap reached (${task.attempts} attempts)${history === "" ? "" : `: ${history}`}`
    })
    return
  }
  if (task.nextAttemptAt !== undefined && task.nextAttemptAt > options.now) {
    steps.push({
      _tag: "Hold",
      taskId: task.id,
      reason: `backing off: next relaunch in ${Math.ceil((task.nextAttemptAt - options.now) / 1000)}s`
    })
    return
  }
  const worktree = task.worktree
  if (worktree === undefined) {
    steps.push({ _tag: "MarkTask", taskId: task.id, status: "failed", reason: "no worktree to relaunch in" })
    return
  }
  // A lane-mate works in this worktree (reconnected, held, or relaunched earlier in this plan): this
  // task waits for it as pending, and the wave executor starts it after — never two agents in one worktree.
  const occupant = occupants.get(worktree)
  if (occupant !== undefined && occupant !== task.id) {
    steps.push({
      _tag: "MarkTask",
      taskId: task.id,
      status: "pending",
      reason: `its worktree ${worktree} is in use by task ${occupant}: it starts after it (never two agents in one worktree)`
    })
    return
  }
  occupants.set(worktree, task.id)
  const session = task.session ?? sessionNameFor(state.batchId, task.id)
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
  const mode = d.resumeConversation === true && task.conversationId !== undefined ? "resume" : "fresh"
  const attempt = task.attempts + 1
  steps.push(
    task.conversationId === undefined
      ? { _tag: "RelaunchAgent", taskId: task.id, mode, session, worktree, attempt, reason: d.reason }
      : {
          _tag: "RelaunchAgent",
          taskId: task.id,
          mode,
          session,
          worktree,
          conversationId: task.conversationId,
          attempt,
          reason: d.reason
        }
  )
}

const pushTaskSteps = (
  steps: Array<PlanStep>,
  state: BatchState,
  task: Task,
  d: TaskDecision,
  options: RecoveryOptions,
  occupants: Occupants
) => {
  switch (d.action) {
    case "mark-complete": {
      const status = d.outcome ?? "succeeded"
      if (task.status !== status) steps.push({ _tag: "MarkTask", taskId: task.id, status, reason: d.reason })
      return
    }
    case "reconnect": {
      const session = d.evidence.sessionName ?? task.session ?? sessionNameFor(state.batchId, task.id)
      steps.push({ _tag: "Reattach", taskId: task.id, session, reason: d.reason })
      return
    }
    case "re-execute":
      return pushReExecute(steps, state, task, d, options, occupants)
    case "mark-failed":
      steps.push(
        d.exitStatus === undefined
          ? { _tag: "MarkTask", taskId: task.id, status: "failed", reason: d.reason }
          : { _tag: "MarkTask", taskId: task.id, status: "failed", reason: d.reason, exitStatus: d.exitStatus }
      )
      return
    case "hold":
      steps.push({ _tag: "Hold", taskId: task.id, reason: d.reason })
      return
    case "skip":
    case "pending":
      return
  }
}

/** Build the recovery plan. */
export const planRecovery = (
  state: BatchState,
  decisions: ReadonlyArray<TaskDecision>,
  resumePoint: ResumePoint,
  options: RecoveryOptions
): Plan => {
  const ix = stateIndex(state)
  const taskOf = (id: string): Task | undefined => {
    const p = positionOf(ix, id)
    return p === -1 ? undefined : ix.order[p]
  }
  const steps: Array<PlanStep> = []
  const occupants = occupantsOf(decisions, taskOf)
  let tmuxUnknown = false
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!
    if (d.evidence.session === "unknown") tmuxUnknown = true
    // Decisions straight from reconcile are in task order: an identity check, no id lookup.
    const inOrder = ix.order[i]
    const task = inOrder !== undefined && inOrder.id === d.taskId ? inOrder : taskOf(d.taskId)
    if (task !== undefined) pushTaskSteps(steps, state, task, d, options, occupants)
  }
  for (let i = 0; i < resumePoint.blocked.length; i++) {
    const id = resumePoint.blocked[i]!
    const task = taskOf(id)
    if (task !== undefined && task.status !== "blocked") {
      steps.push({ _tag: "MarkTask", taskId: id, status: "blocked", reason: "a dependency failed" })
    }
  }
  // Only a task persisted as blocked can be unblocked: most states have none, and skip the lookups.
  let blocked: ReadonlySet<string> | undefined
  const pending = ix.anyBlocked ? resumePoint.pending : []
  for (let i = 0; i < pending.length; i++) {
    const id = pending[i]!
    const task = taskOf(id)
    if (task !== undefined && task.status === "blocked" && !(blocked ??= new Set(resumePoint.blocked)).has(id)) {
      steps.push({ _tag: "MarkTask", taskId: id, status: "pending", reason: "its dependencies no longer failed" })
    }
  }
  if (resumePoint.mergeRetryWaves.length > 0) {
    // 1: completed (succeeded), 2: skipped, 0: anything else.
    const outcome = new Uint8Array(ix.order.length)
    for (const [ids, code] of [
      [resumePoint.completed, 1],
      [resumePoint.skipped, 2]
    ] as const) {
      for (let i = 0; i < ids.length; i++) {
        const k = ix.ids.get(ids[i]!)
        if (k !== -1) outcome[ix.posByK[k]!] = code
      }
    }
    for (const wave of resumePoint.mergeRetryWaves) {
      const lanes = lanesNeedingMergeAt(state, ix, wave, (p) =>
        outcome[p] === 1 ? "succeeded" : outcome[p] === 2 ? "skipped" : "other"
      )
      steps.push({ _tag: "RetryMerge", wave, lanes, reason: `wave ${wave + 1} finished but its merge did not succeed` })
    }
  }
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

/**
 * The plan of `restart <task>`: stop its session whatever it holds (the user confirmed), snapshot a
 * worktree not known clean, relaunch — resuming the conversation when its transcript validates.
 * Undefined when the task does not exist.
 */
export const planRestart = (
  state: BatchState,
  decisions: ReadonlyArray<TaskDecision>,
  taskId: string
): Plan | undefined => {
  const task = tasksById(state).get(taskId)
  const d = decisions.find((x) => x.taskId === taskId)
  if (task === undefined || d === undefined) return undefined
  const session = task.session ?? sessionNameFor(state.batchId, task.id)
  const steps: Array<PlanStep> = []
  const reason = "restart requested"
  if (d.evidence.sessionName !== undefined) {
    steps.push({ _tag: "StopSession", taskId, session: d.evidence.sessionName, attempt: task.attempts, reason })
  } else if (d.evidence.agent === "alive") {
    // No session, but the recorded agent (pid + start time) lives on outside tmux (the server died and
    // it ignored SIGHUP): the plan says it is stopped before the relaunch, so no two agents ever run.
    steps.push({
      _tag: "StopSession",
      taskId,
      session,
      attempt: task.attempts,
      reason: "restart requested: its agent still runs outside tmux"
    })
  }
  if (task.worktree !== undefined && d.evidence.worktree === "present") {
    if (d.evidence.dirty !== false)
      steps.push({ _tag: "SnapshotWip", taskId, worktree: task.worktree, attempt: task.attempts, reason })
    steps.push({
      _tag: "RelaunchAgent",
      taskId,
      mode: d.evidence.transcript === "valid" ? "resume" : "fresh",
      session,
      worktree: task.worktree,
      ...(task.conversationId === undefined ? {} : { conversationId: task.conversationId }),
      attempt: task.attempts + 1,
      reason
    })
  }
  return { batchId: state.batchId, steps }
}
