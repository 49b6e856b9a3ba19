/**
 * reconcile: one decision per task from (persisted state + live signals), following the precedence
 * table of DESIGN §4. Total and deterministic: the output does not depend on the order of the arrays
 * in the state or the signals.
 *
 * | # | condition                                                         | action        |
 * |---|-------------------------------------------------------------------|---------------|
 * | 1 | an accepted done marker exists                                    | mark-complete |
 * | 2 | tmux state `unknown` and the task was started                     | hold          |
 * | 3 | session alive and the agent process alive                         | reconnect     |
 * | 4 | session alive but the agent is gone (dead pane / bare shell)      | re-execute    |
 * | 5 | persisted status is terminal                                      | skip          |
 * | 6 | worktree exists                                                   | re-execute    |
 * | 7 | never started (pending)                                           | pending       |
 * | 8 | otherwise                                                         | mark-failed   |
 *
 * Refinements of the table (each closes a way the literal table would run an agent twice or act on
 * what cannot be seen): rows 3–4 apply to tasks that are not terminal — a finished task's session
 * lingers under remain-on-exit and must not be re-run (row 5); an agent process still alive outside
 * any session is held, never doubled; a never-started task is `pending` even when a worktree was
 * already created for it; row 4/6 need a usable worktree, else row 8.
 */
import type { Evidence, TaskDecision } from "./Decision.ts"
import { evidenceFor, isTerminal, neverStarted } from "./Evidence.ts"
import type { Signals } from "./Signals.ts"
import { tasksById } from "./ResumePoint.ts"
import type { BatchState, Task } from "./State.ts"

const decision = (
  task: Task,
  evidence: Evidence,
  row: number,
  action: TaskDecision["action"],
  reason: string,
  extra: Partial<Pick<TaskDecision, "outcome" | "stopSession" | "resumeConversation">> = {}
): TaskDecision => ({ taskId: task.id, action, row, reason, evidence, ...extra })

const resumeHow = (e: Evidence): string =>
  e.transcript === "valid" ? "resuming its conversation" : e.transcript === "missing"
    ? "fresh with a handoff prompt (conversation transcript not found)"
    : "fresh with a handoff prompt"

/** Decide for one task given its evidence (the table above, in order). */
export const decideTask = (task: Task, e: Evidence): TaskDecision => {
  if (e.marker === "succeeded" || e.marker === "failed") {
    const alive = e.agent === "alive" ? " (its session is still alive)" : ""
    return decision(task, e, 1, "mark-complete", `done marker reports ${e.marker}${alive}`, { outcome: e.marker })
  }
  const started = !neverStarted(task)
  if (e.session === "unknown" && started && !isTerminal(task)) {
    return decision(task, e, 2, "hold", "tmux did not answer: cannot tell whether the agent is alive, so nothing is touched")
  }
  const usable = e.worktree === "present"
  if (!isTerminal(task)) {
    if (e.session === "alive" && e.agent === "alive") {
      return decision(task, e, 3, "reconnect", "session and agent process are alive")
    }
    if (e.session === "dead-pane" || e.session === "bare-shell") {
      const what = e.session === "dead-pane" ? "the pane is dead" : "only a shell is left in the pane"
      if (e.agent === "alive") {
        return decision(task, e, 4, "hold",
          `${what} but the agent process rekindle launched is still alive: stop it or wait for it to exit, then resume (never two agents)`)
      }
      if (usable) {
        return decision(task, e, 4, "re-execute", `${what}; stop the stale session and relaunch ${resumeHow(e)}`, {
          stopSession: true,
          resumeConversation: e.transcript === "valid"
        })
      }
      return decision(task, e, 8, "mark-failed", `${what} and the worktree is ${e.worktree}: nothing to relaunch in`)
    }
    if (e.session === "absent" && e.agent === "alive") {
      return decision(task, e, 3, "hold",
        "the agent process is still alive outside tmux: stop it or wait for it to exit, then resume (never two agents)")
    }
  }
  if (isTerminal(task)) {
    const linger = e.session === "alive" || e.session === "dead-pane" || e.session === "bare-shell"
      ? "; its session lingers (repair can stop it)" : ""
    return decision(task, e, 5, "skip", `already ${task.status}${linger}`)
  }
  if (!started) return decision(task, e, 7, "pending", "not started yet")
  if (usable) {
    return decision(task, e, 6, "re-execute", `session is gone but the worktree remains; relaunch ${resumeHow(e)}`, {
      stopSession: false,
      resumeConversation: e.transcript === "valid"
    })
  }
  const where = e.worktree === "none" ? "it has no worktree" : `its worktree is ${e.worktree}`
  return decision(task, e, 8, "mark-failed", `session is gone and ${where}`)
}

/**
 * Order of tasks in every output: by wave, then position in the wave, then id — never by the order of
 * the `tasks` array, so a reordered state decides identically.
 */
export const taskOrder = (state: BatchState): ReadonlyArray<Task> => {
  const byId = tasksById(state)
  // Walk the waves in order (linear, no sort), then the tasks no wave names, by id. Placement is
  // tracked on the task objects (identity), not on their id strings.
  const out: Array<Task> = []
  const placed = new WeakSet<Task>()
  for (const wave of state.waves) {
    for (const id of wave) {
      const t = byId.get(id)
      if (t !== undefined && !placed.has(t)) {
        placed.add(t)
        out.push(t)
      }
    }
  }
  if (out.length < byId.size) {
    out.push(...[...byId.values()].filter((t) => !placed.has(t)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
  }
  return out
}

/** One decision per task (in {@link taskOrder}), with action, row, reason and evidence. */
export const reconcile = (state: BatchState, signals: Signals): ReadonlyArray<TaskDecision> =>
  taskOrder(state).map((task) => decideTask(task, evidenceFor(state, task, signals)))
