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
import { lanesNeedingMerge, tasksById } from "./ResumePoint.ts"
import type { BatchState, Task } from "./State.ts"

/** Options of {@link planRecovery}. */
export interface RecoveryOptions {
  /** Current time (ms): relaunch back-off is compared against it. */
  readonly now: number
  /** Relaunches allowed per task before it is marked failed (default: the batch option, else 3). */
  readonly relaunchCap?: number
}

const DEFAULT_RELAUNCH_CAP = 3

const reExecuteSteps = (state: BatchState, task: Task, d: TaskDecision, options: RecoveryOptions): ReadonlyArray<PlanStep> => {
  const cap = options.relaunchCap ?? state.options?.relaunchCap ?? DEFAULT_RELAUNCH_CAP
  const session = task.session ?? sessionNameFor(state.batchId, task.id)
  // Cap and back-off are checked before anything is stopped: the stale session stays for inspection.
  if (task.attempts >= cap + 1) {
    const history = (task.history ?? []).map((h) => h.reason).slice(-3).join("; ")
    return [{
      _tag: "MarkTask",
      taskId: task.id,
      status: "failed",
      reason: `relaunch cap reached (${task.attempts} attempts)${history === "" ? "" : `: ${history}`}`
    }]
  }
  if (task.nextAttemptAt !== undefined && task.nextAttemptAt > options.now) {
    return [{ _tag: "Hold", taskId: task.id, reason: `backing off: next relaunch in ${Math.ceil((task.nextAttemptAt - options.now) / 1000)}s` }]
  }
  const worktree = task.worktree
  if (worktree === undefined) return [{ _tag: "MarkTask", taskId: task.id, status: "failed", reason: "no worktree to relaunch in" }]
  const steps: Array<PlanStep> = []
  if (d.stopSession === true) {
    // Stop the session actually observed (found by ownership tag), which is the stale one.
    steps.push({ _tag: "StopSession", taskId: task.id, session: d.evidence.sessionName ?? session, attempt: task.attempts, reason: d.reason })
  }
  if (d.evidence.dirty !== false) {
    steps.push({
      _tag: "SnapshotWip",
      taskId: task.id,
      worktree,
      attempt: task.attempts,
      reason: d.evidence.dirty === true ? "worktree has uncommitted work" : "worktree state unknown: snapshot before relaunch"
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

const taskSteps = (state: BatchState, task: Task, d: TaskDecision, options: RecoveryOptions): ReadonlyArray<PlanStep> => {
  switch (d.action) {
    case "mark-complete": {
      const status = d.outcome ?? "succeeded"
      return task.status === status ? [] : [{ _tag: "MarkTask", taskId: task.id, status, reason: d.reason }]
    }
    case "reconnect":
      return [{ _tag: "Reattach", taskId: task.id, session: d.evidence.sessionName ?? task.session ?? sessionNameFor(state.batchId, task.id), reason: d.reason }]
    case "re-execute":
      return reExecuteSteps(state, task, d, options)
    case "mark-failed":
      return [{ _tag: "MarkTask", taskId: task.id, status: "failed", reason: d.reason }]
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
  for (const d of decisions) {
    const task = tasks.get(d.taskId)
    if (task !== undefined) steps.push(...taskSteps(state, task, d, options))
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
  for (const wave of resumePoint.mergeRetryWaves) {
    const lanes = lanesNeedingMerge(state, wave, (id) => completed.has(id))
    steps.push({ _tag: "RetryMerge", wave, lanes, reason: `wave ${wave + 1} finished but its merge did not succeed` })
  }
  const tmuxUnknown = decisions.some((d) => d.evidence.session === "unknown")
  if (resumePoint.resumeWave !== undefined) {
    if (tmuxUnknown) {
      steps.push({ _tag: "Report", reason: "tmux did not answer: the batch does not continue until it can be observed" })
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
export const planRestart = (state: BatchState, decisions: ReadonlyArray<TaskDecision>, taskId: string): Plan | undefined => {
  const task = tasksById(state).get(taskId)
  const d = decisions.find((x) => x.taskId === taskId)
  if (task === undefined || d === undefined) return undefined
  const session = task.session ?? sessionNameFor(state.batchId, task.id)
  const steps: Array<PlanStep> = []
  const reason = "restart requested"
  if (d.evidence.sessionName !== undefined) {
    steps.push({ _tag: "StopSession", taskId, session: d.evidence.sessionName, attempt: task.attempts, reason })
  }
  if (task.worktree !== undefined && d.evidence.worktree === "present") {
    if (d.evidence.dirty !== false) steps.push({ _tag: "SnapshotWip", taskId, worktree: task.worktree, attempt: task.attempts, reason })
    steps.push({
      _tag: "RelaunchAgent", taskId, mode: d.evidence.transcript === "valid" ? "resume" : "fresh", session, worktree: task.worktree,
      ...(task.conversationId === undefined ? {} : { conversationId: task.conversationId }),
      attempt: task.attempts + 1, reason
    })
  }
  return { batchId: state.batchId, steps }
}
