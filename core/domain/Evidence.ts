/**
 * Reading the live signals for one task: which session and agent process are its own, whether its
 * worktree is usable, what its marker and transcript say. Liveness is per task (its own session and
 * pane), never inferred from a lane or another task.
 */
import type { Evidence } from "./Decision.ts"
import { ownershipTag } from "./Naming.ts"
import type { Signals, TmuxPane, WorktreeInfo } from "./Signals.ts"
import { TERMINAL_STATUSES, type BatchState, type Task } from "./State.ts"

/** Programs that are a bare interactive shell when they are all a pane runs. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "zsh", "fish", "dash", "ksh", "tcsh", "csh", "nu", "pwsh", "-bash", "-zsh", "-sh"])

/** True when the persisted status means the task never runs again on its own. */
export const isTerminal = (task: Task): boolean => TERMINAL_STATUSES.includes(task.status)

/** True when the task was never launched: no attempt, no start time, not running. */
export const neverStarted = (task: Task): boolean =>
  (task.status === "pending" || task.status === "blocked") && task.attempts === 0 && task.startedAt === undefined

/**
 * The panes that belong to a task: tagged with its ownership tag, or (for a pane whose tag was never
 * set) carrying exactly its session name. A pane with that name but another tag is not ours.
 */
export const panesOf = (state: BatchState, task: Task, panes: ReadonlyArray<TmuxPane>): ReadonlyArray<TmuxPane> => {
  const tag = ownershipTag(state.batchId, task.id)
  const tagged = panes.filter((p) => p.taskTag === tag)
  const mine = tagged.length > 0
    ? tagged
    : panes.filter((p) => p.taskTag === undefined && task.session !== undefined && p.sessionName === task.session)
  // Deterministic whatever order tmux listed them in.
  return [...mine].sort((a, b) => (a.paneId < b.paneId ? -1 : a.paneId > b.paneId ? 1 : 0))
}

const hasChildren = (signals: Signals, pid: number): boolean =>
  signals.processes.state === "known" && signals.processes.processes.some((p) => p.ppid === pid)

const processOf = (signals: Signals, pid: number) =>
  signals.processes.state === "known" ? signals.processes.processes.find((p) => p.pid === pid) : undefined

/** Whether the process rekindle recorded for this task (pid + start time) is alive right now. */
export const recordedAgentAlive = (task: Task, signals: Signals): boolean | undefined => {
  if (task.agentProcess === undefined || signals.processes.state !== "known") return undefined
  if (task.agentProcess.host !== signals.host) return undefined
  const p = processOf(signals, task.agentProcess.pid)
  return p !== undefined && p.startTime === task.agentProcess.startTime
}

/** Session and agent evidence for one task. */
export const liveness = (
  state: BatchState,
  task: Task,
  signals: Signals
): { readonly session: Evidence["session"]; readonly agent: Evidence["agent"]; readonly sessionName?: string } => {
  if (signals.tmux.state === "unknown") return { session: "unknown", agent: "unknown" }
  const panes = signals.tmux.state === "up" ? panesOf(state, task, signals.tmux.panes) : []
  const pane = panes[0]
  if (pane === undefined) {
    // No session, but an agent process rekindle launched may have outlived its tmux server.
    return { session: "absent", agent: recordedAgentAlive(task, signals) === true ? "alive" : "gone" }
  }
  const sessionName = pane.sessionName
  // The pane may be dead while the agent rekindle recorded (pid + start time) lives on elsewhere.
  const stray: Evidence["agent"] = recordedAgentAlive(task, signals) === true ? "alive" : "gone"
  if (pane.dead) return { session: "dead-pane", agent: stray, sessionName }
  if (signals.processes.state === "known") {
    const proc = processOf(signals, pane.panePid)
    if (proc === undefined) return { session: "dead-pane", agent: stray, sessionName }
    const pidReused = task.agentProcess !== undefined && task.agentProcess.pid === pane.panePid &&
      task.agentProcess.host === signals.host && task.agentProcess.startTime !== proc.startTime
    if (pidReused) return { session: "bare-shell", agent: stray, sessionName }
  }
  const bare = task.agent !== "shell" && SHELLS.has(pane.currentCommand) && signals.processes.state === "known" &&
    !hasChildren(signals, pane.panePid)
  return bare ? { session: "bare-shell", agent: stray, sessionName } : { session: "alive", agent: "alive", sessionName }
}

const listed = (worktrees: ReadonlyArray<WorktreeInfo>, path: string): WorktreeInfo | undefined =>
  worktrees.find((w) => w.path === path)

/** Worktree evidence: archived on purpose, present, missing or corrupt (directory without `.git`). */
export const worktreeEvidence = (task: Task, signals: Signals): Evidence["worktree"] => {
  if (task.worktreeArchived === true) return "archived"
  if (task.worktree === undefined) return "none"
  const onDisk = signals.paths[task.worktree]
  if (onDisk !== undefined) return onDisk
  const w = listed(signals.worktrees, task.worktree)
  return w !== undefined && !w.prunable ? "present" : "missing"
}

/** Whether the task's worktree is dirty, when observe checked it. */
export const worktreeDirty = (task: Task, signals: Signals): boolean | undefined =>
  task.worktree === undefined ? undefined : listed(signals.worktrees, task.worktree)?.dirty

/** Full evidence for one task. */
export const evidenceFor = (state: BatchState, task: Task, signals: Signals): Evidence => {
  const live = liveness(state, task, signals)
  const marker = signals.markers[task.id]
  const dirty = worktreeDirty(task, signals)
  return {
    persisted: task.status,
    session: live.session,
    agent: live.agent,
    worktree: worktreeEvidence(task, signals),
    marker: marker === undefined ? "none" : !marker.valid ? "invalid" : marker.status ?? "succeeded",
    transcript: task.conversationId === undefined
      ? "none"
      : signals.transcripts[task.conversationId] === true ? "valid" : "missing",
    ...(live.sessionName === undefined ? {} : { sessionName: live.sessionName }),
    ...(dirty === undefined ? {} : { dirty })
  }
}
