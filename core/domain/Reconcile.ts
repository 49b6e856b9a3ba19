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
 * |   |   …the agent exited on its own (dead pane with an exit status)    | mark-failed   |
 * | 5 | persisted status is terminal                                      | skip          |
 * | 6 | worktree exists                                                   | re-execute    |
 * | 7 | never started (pending)                                           | pending       |
 * | 8 | otherwise                                                         | mark-failed   |
 *
 * Refinements of the table (each closes a way the literal table would run an agent twice or act on
 * what cannot be seen): rows 3–4 apply to tasks that are not terminal — a finished task's session
 * lingers under remain-on-exit and must not be re-run (row 5); an agent process still alive outside
 * any session is held, never doubled; a never-started task is `pending` even when a worktree was
 * already created for it; row 4/6 need a usable worktree, else row 8. Only a pane whose program was
 * killed (a signal, no exit status), vanished or was replaced by a shell is re-executed: an agent
 * that exited on its own failed, exactly as the live supervisor records it.
 */
import type { Evidence, TaskDecision } from "./Decision.ts"
import { isTerminal, neverStarted } from "./Evidence.ts"
import { evidenceWith } from "./internal/EvidenceCore.ts"
import { hostDeclaresSessions, ownershipTag } from "./Naming.ts"
import {
  ALREADY,
  exitedReason,
  GONE_BUT_AGENT,
  GONE_FAILED,
  GONE_NOWHERE,
  GONE_RELAUNCH,
  MARKER,
  WORKTREE_RELAUNCH
} from "./internal/Reasons.ts"
import type { Signals, TmuxPane } from "./Signals.ts"
import { stateIndex } from "./internal/StateIndex.ts"
import type { BatchState, Task } from "./State.ts"

type Action = TaskDecision["action"]

// Fixed-shape literals (no spread of optional extras): one hidden class per kind of decision.
const plain = (task: Task, evidence: Evidence, row: number, action: Action, reason: string): TaskDecision => ({
  taskId: task.id,
  action,
  row,
  reason,
  evidence
})

const relaunch = (task: Task, evidence: Evidence, row: number, reason: string, stopSession: boolean): TaskDecision => ({
  taskId: task.id,
  action: "re-execute",
  row,
  reason,
  evidence,
  stopSession,
  resumeConversation: evidence.transcript === "valid"
})

/** Decide for one task given its evidence (the table above, in order). */
export const decideTask = (task: Task, e: Evidence): TaskDecision => {
  if (e.marker === "succeeded" || e.marker === "failed") {
    const reason = MARKER[e.marker][e.agent === "alive" ? 1 : 0]
    return { taskId: task.id, action: "mark-complete", row: 1, reason, evidence: e, outcome: e.marker }
  }
  const terminal = isTerminal(task)
  const started = !neverStarted(task)
  if (e.session === "unknown" && started && !terminal) {
    return plain(
      task,
      e,
      2,
      "hold",
      "tmux did not answer: cannot tell whether the agent is alive, so nothing is touched"
    )
  }
  const usable = e.worktree === "present"
  if (!terminal) {
    if (e.session === "alive" && e.agent === "alive")
      return plain(task, e, 3, "reconnect", "session and agent process are alive")
    if (e.session === "dead-pane" || e.session === "bare-shell") {
      if (e.agent === "alive") return plain(task, e, 4, "hold", GONE_BUT_AGENT[e.session])
      // The agent exited on its own (an exit status, no accepted marker): that is its outcome, the
      // one the live supervisor records — never a reason to run it again (one rule: Monitor.ts).
      if (e.session === "dead-pane" && e.exitStatus !== undefined) {
        return {
          taskId: task.id,
          action: "mark-failed",
          row: 4,
          reason: exitedReason(e.exitStatus),
          evidence: e,
          exitStatus: e.exitStatus
        }
      }
      if (usable) return relaunch(task, e, 4, GONE_RELAUNCH[e.session][e.transcript], true)
      return plain(task, e, 8, "mark-failed", GONE_NOWHERE[e.session][e.worktree])
    }
    if (e.session === "absent" && e.agent === "alive") {
      return plain(
        task,
        e,
        3,
        "hold",
        "the agent process is still alive outside tmux: stop it or wait for it to exit, then resume (never two agents)"
      )
    }
  }
  if (terminal) {
    const linger = e.session === "alive" || e.session === "dead-pane" || e.session === "bare-shell"
    return plain(task, e, 5, "skip", ALREADY[task.status][linger ? 1 : 0])
  }
  if (!started)
    return plain(
      task,
      e,
      7,
      "pending",
      task.status === "blocked" ? "blocked: a task it depends on did not succeed" : "not started yet"
    )
  if (usable) return relaunch(task, e, 6, WORKTREE_RELAUNCH[e.transcript], false)
  return plain(task, e, 8, "mark-failed", GONE_FAILED[e.worktree])
}

/**
 * Order of tasks in every output: by wave, then position in the wave, then id — never by the order of
 * the `tasks` array, so a reordered state decides identically.
 */
export const taskOrder = (state: BatchState): ReadonlyArray<Task> => stateIndex(state).order

/**
 * Every task's own pane, by decision position, in one pass over the panes: the tagged pane with the
 * least pane id, else (no tagged pane, imported batches only) the untagged pane of exactly its session name — what
 * `panesOf(…)[0]` returns for each task, without a lookup string or array per task.
 */
const ownPanes = (state: BatchState, signals: Signals): ReadonlyArray<TmuxPane | undefined> => {
  const { order, ids, posByK } = stateIndex(state)
  const own = new Array<TmuxPane | undefined>(order.length)
  if (signals.tmux.state !== "up") return own
  const prefix = ownershipTag(state.batchId, "") // a task's tag is this prefix + its id
  let untagged: Map<string, TmuxPane> | undefined
  const panes = signals.tmux.panes
  for (let i = 0; i < panes.length; i++) {
    const p = panes[i]!
    const tag = p.taskTag
    if (tag === undefined) {
      const cur = (untagged ??= new Map()).get(p.sessionName)
      if (cur === undefined || p.paneId < cur.paneId) untagged.set(p.sessionName, p)
      continue
    }
    if (!tag.startsWith(prefix)) continue
    const k = ids.getSuffix(tag, prefix.length) // the id after the prefix, without slicing it out
    if (k === -1) continue
    const pos = posByK[k]!
    const cur = own[pos]
    if (cur === undefined || p.paneId < cur.paneId) own[pos] = p // ties: the first listed, as a stable sort
  }
  if (untagged !== undefined && hostDeclaresSessions(state)) {
    for (let pos = 0; pos < order.length; pos++) {
      const session = order[pos]!.session
      if (own[pos] === undefined && session !== undefined) own[pos] = untagged.get(session)
    }
  }
  return own
}

/** One decision per task (in {@link taskOrder}), with action, row, reason and evidence. */
export const reconcile = (state: BatchState, signals: Signals): ReadonlyArray<TaskDecision> => {
  const { order } = stateIndex(state)
  const own = ownPanes(state, signals)
  return order.map((task, pos) => decideTask(task, evidenceWith(task, own[pos], signals)))
}
