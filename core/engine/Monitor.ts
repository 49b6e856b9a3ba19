/**
 * One monitoring pass over a wave's running tasks (pure over an observation): a done marker completes
 * a task; a dead pane without a marker fails it (exit status kept); no output for the stall timeout
 * marks it stalled, and twice that fails it. Costs one observation per poll, whatever the task count.
 */
import { evidenceFor } from "../domain/Evidence.ts"
import { ownGet } from "../domain/Records.ts"
import type { Signals } from "../domain/Signals.ts"
import type { BatchState, Task, TaskStatus } from "../domain/State.ts"

/** What the monitor concluded for one task. */
export interface Transition {
  readonly taskId: string
  readonly status: TaskStatus
  readonly reason: string
  readonly exitStatus?: number
  /** Stop the task's session (a stalled agent given up on). */
  readonly stopSession?: string
  /**
   * The pane is dead but tmux has not reported its exit status yet (tmux 3.3 can report it one
   * snapshot late): the executor waits one poll before recording the failure, so the status is kept.
   */
  readonly statusPending?: boolean
  /**
   * The session is gone altogether (pane, session or server killed): not the agent's exit, which
   * leaves a dead pane. The executor recovers the task in place as resume would (core/engine/Vanished.ts).
   */
  readonly vanished?: boolean
}

/** Transitions for the running/stalled tasks among `ids`. */
export const monitorPass = (state: BatchState, ids: ReadonlyArray<string>, signals: Signals, stallTimeoutMs: number): ReadonlyArray<Transition> => {
  const now = signals.observedAt
  const byId = new Map(state.tasks.map((t) => [t.id, t]))
  const out: Array<Transition> = []
  for (const id of ids) {
    const task = byId.get(id)
    if (task === undefined || (task.status !== "running" && task.status !== "stalled")) continue
    const e = evidenceFor(state, task, signals)
    const marker = ownGet(signals.markers, id)
    if (marker !== undefined && marker.valid) {
      out.push({ taskId: id, status: marker.status ?? "succeeded", reason: marker.summary ?? `done marker: ${marker.status ?? "succeeded"}` })
      continue
    }
    if (e.session === "unknown") continue // tmux did not answer: conclude nothing this round
    if (e.agent !== "alive") {
      const pane = signals.tmux.state === "up" ? signals.tmux.panes.find((p) => p.sessionName === e.sessionName) : undefined
      const code = pane?.deadStatus
      out.push({
        taskId: id, status: "failed",
        reason: e.session === "absent" ? "session vanished without a done marker" : `agent exited${code === undefined ? "" : ` with status ${code}`} without a done marker`,
        ...(code === undefined ? (e.session === "dead-pane" ? { statusPending: true } : {}) : { exitStatus: code }),
        ...(e.session === "absent" ? { vanished: true } : {})
      })
      continue
    }
    // Own entries only: for a task named `__proto__` a plain index returns Object.prototype (NaN here).
    const times = signals.lastOutputAt ?? {}
    const quietFor = now - (ownGet(times, id) ?? lastStart(task) ?? now)
    if (quietFor >= 2 * stallTimeoutMs) {
      out.push({ taskId: id, status: "failed", reason: `no output for ${Math.round(quietFor / 1000)}s: given up`, ...(e.sessionName === undefined ? {} : { stopSession: e.sessionName }) })
    } else if (quietFor >= stallTimeoutMs && task.status !== "stalled") {
      out.push({ taskId: id, status: "stalled", reason: `no output for ${Math.round(quietFor / 1000)}s` })
    } else if (quietFor < stallTimeoutMs && task.status === "stalled") {
      out.push({ taskId: id, status: "running", reason: "output resumed" })
    }
  }
  return out
}

const lastStart = (task: Task): number | undefined => {
  const launches = (task.history ?? []).filter((h) => h.event.startsWith("launch:")).map((h) => h.at)
  return launches.length > 0 ? Math.max(...launches) : task.startedAt
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
