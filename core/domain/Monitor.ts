/**
 * One monitoring pass of the live supervisor over a wave's running tasks (pure over an observation).
 *
 * One rule, one place: a task's outcome is decided by reconcile's own {@link decideTask} on the same
 * evidence `resume` would see, so a crash of the supervisor never changes what becomes of a task:
 * - a done marker completes it;
 * - an agent that exited on its own (dead pane with an exit status) failed, with that status;
 * - an agent killed from outside (pane killed, session or server gone, a signal) is recovered in place
 *   as resume would recover it (relaunch within the cap, or failed without a usable worktree);
 * - a live agent is watched for output: no output for the stall timeout marks it stalled, twice that
 *   fails it (and its session is stopped) — unless it waits at a screen that blocks work (`task.waiting`).
 * Costs one observation per poll, whatever the task count.
 */
import type { TaskDecision } from "./Decision.ts"
import { evidenceFor } from "./Evidence.ts"
import { decideTask } from "./Reconcile.ts"
import { ownGet } from "./Records.ts"
import type { Signals } from "./Signals.ts"
import type { BatchState, Task, TaskStatus } from "./State.ts"

/** What the monitor concluded for one task. */
interface Transition {
  readonly taskId: string
  /** The status to record (unchanged for a recovery in place: the recovery's steps record it). */
  readonly status: TaskStatus
  readonly reason: string
  readonly exitStatus?: number
  /** Stop the task's session (a stalled agent given up on). */
  readonly stopSession?: string
  /**
   * The pane is dead but tmux has reported neither an exit status nor a signal yet (tmux 3.3 can
   * report it a snapshot or more late): the executor waits before concluding how the agent ended.
   */
  readonly statusPending?: boolean
  /**
   * The agent did not end on its own — its pane, session or server was killed, or a signal ended it:
   * not a failure of the agent. The executor recovers the task in place exactly as resume would
   * (core/engine/waves/RecoverInPlace.ts).
   */
  readonly recover?: boolean
}

/** The latest launch of a task (history, else its start). */
export const lastLaunchAt = (task: Task): number | undefined => {
  let latest: number | undefined
  for (const h of task.history ?? [])
    if (h.event.startsWith("launch:") && (latest === undefined || h.at > latest)) latest = h.at
  return latest ?? task.startedAt
}

/**
 * The stall rule for a live agent: stalled after the timeout without output, failed after twice that — always
 * through `stalled` first.
 */
const stallTransition = (
  task: Task,
  signals: Signals,
  stallTimeoutMs: number,
  sessionName: string | undefined
): Transition | undefined => {
  const now = signals.observedAt
  // Own entries only: for a task named `__proto__` a plain index returns Object.prototype (NaN here).
  const quietFor = now - (ownGet(signals.lastOutputAt ?? {}, task.id) ?? lastLaunchAt(task) ?? now)
  // Given up only once it was marked stalled: a late monitor tick (a loaded machine) must not skip the stalled
  // step, which the task's history, `status` and the notifications show before it fails.
  if (quietFor >= 2 * stallTimeoutMs && task.status === "stalled") {
    return {
      taskId: task.id,
      status: "failed",
      reason: `no output for ${Math.round(quietFor / 1000)}s: given up`,
      ...(sessionName === undefined ? {} : { stopSession: sessionName })
    }
  }
  if (quietFor >= stallTimeoutMs && task.status !== "stalled")
    return { taskId: task.id, status: "stalled", reason: `no output for ${Math.round(quietFor / 1000)}s` }
  if (quietFor < stallTimeoutMs && task.status === "stalled")
    return { taskId: task.id, status: "running", reason: "output resumed" }
  return undefined
}

/**
 * Whether a decision rests on a dead pane whose program's end tmux has not reported yet (neither an
 * exit status nor a signal): the supervisor and `plan`/`resume` both wait before concluding on it.
 */
export const awaitsExitReport = (d: TaskDecision, signals: Signals): boolean =>
  d.action === "re-execute" &&
  d.evidence.session === "dead-pane" &&
  d.evidence.exitSignal === undefined &&
  signals.tmux.state === "up" &&
  signals.tmux.panes.some((p) => p.sessionName === d.evidence.sessionName && p.dead)

/** The transition (if any) of one running or stalled task. */
export const monitorTask = (
  state: BatchState,
  task: Task,
  signals: Signals,
  stallTimeoutMs: number
): Transition | undefined => {
  const e = evidenceFor(state, task, signals)
  const d = decideTask(task, e)
  switch (d.action) {
    case "mark-complete": {
      const marker = ownGet(signals.markers, task.id)
      const status = d.outcome ?? "succeeded"
      return { taskId: task.id, status, reason: marker?.summary ?? `done marker: ${status}` }
    }
    case "mark-failed":
      return {
        taskId: task.id,
        status: "failed",
        reason: d.reason,
        ...(d.exitStatus === undefined ? {} : { exitStatus: d.exitStatus })
      }
    case "re-execute": {
      const pending = awaitsExitReport(d, signals)
      return {
        taskId: task.id,
        status: task.status,
        reason: d.reason,
        recover: true,
        ...(pending ? { statusPending: true } : {})
      }
    }
    case "reconnect":
      // A task waiting at a screen that blocks work waits for a person (who was notified), not for the stall timeout:
      // it is neither stalled nor given up on while the screen is shown (core/domain/Waiting.ts).
      return task.waiting === undefined ? stallTransition(task, signals, stallTimeoutMs, e.sessionName) : undefined
    case "hold":
    case "skip":
    case "pending":
      // tmux did not answer, or the agent lives on outside its pane: conclude nothing this round.
      return undefined
  }
}

/** Transitions for the running/stalled tasks among `ids`. */
export const monitorPass = (
  state: BatchState,
  ids: ReadonlyArray<string>,
  signals: Signals,
  stallTimeoutMs: number
): ReadonlyArray<Transition> => {
  const byId = new Map(state.tasks.map((t) => [t.id, t]))
  const out: Array<Transition> = []
  for (const id of ids) {
    const task = byId.get(id)
    if (task === undefined || (task.status !== "running" && task.status !== "stalled")) continue
    const tr = monitorTask(state, task, signals, stallTimeoutMs)
    if (tr !== undefined) out.push(tr)
  }
  return out
}

/** Transitive dependents of `failed` among `state.tasks` (for skip-dependents). */
export const dependentsOf = (state: BatchState, failed: ReadonlyArray<string>): ReadonlyArray<string> => {
  const children = new Map<string, Array<string>>()
  for (const t of state.tasks) for (const d of t.dependsOn) children.set(d, [...(children.get(d) ?? []), t.id])
  const seen = new Set<string>()
  const queue = [...failed]
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c)
        queue.push(c)
      }
    }
  }
  return [...seen].sort()
}
