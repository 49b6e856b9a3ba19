/**
 * The straightforward reference of evidence + reconcile: the implementation as it stood before the
 * B2 optimisation (commit ccca167), kept verbatim so the agreement property test can check that the
 * optimised functions return exactly the same decisions. Not shipped; tests only.
 */
import type { Evidence, TaskDecision } from "../../../core/domain/Decision.ts"
import { hostDeclaresSessions, ownershipTag } from "../../../core/domain/Naming.ts"
import type { ProcessInfo, Signals, TmuxPane, WorktreeInfo } from "../../../core/domain/Signals.ts"
import { TERMINAL_STATUSES, type BatchState, type Task } from "../../../core/domain/State.ts"
import { tasksById } from "./Plan.ts"

/** Programs that are a bare interactive shell when they are all a pane runs. */
export const SHELLS: ReadonlySet<string> = new Set([
  "sh",
  "bash",
  "zsh",
  "fish",
  "dash",
  "ksh",
  "tcsh",
  "csh",
  "nu",
  "pwsh",
  "-bash",
  "-zsh",
  "-sh"
])

/** True when the persisted status means the task never runs again on its own. */
export const isTerminal = (task: Task): boolean => TERMINAL_STATUSES.includes(task.status)

/** True when the task was never launched: no attempt, no start time, not running. */
export const neverStarted = (task: Task): boolean =>
  (task.status === "pending" || task.status === "blocked") && task.attempts === 0 && task.startedAt === undefined

/**
 * A record's own entry. Signals records are keyed by task ids and paths, and a task may be named
 * `constructor`, `toString` or `__proto__` (all valid ids): a plain `record[key]` would read
 * Object.prototype and report, say, an invalid done marker that does not exist.
 */
const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** Lookups over one Signals value, built once (signals are immutable values) so reconcile stays linear. */
interface SignalIndex {
  readonly byTag: ReadonlyMap<string, ReadonlyArray<TmuxPane>>
  readonly untaggedBySession: ReadonlyMap<string, ReadonlyArray<TmuxPane>>
  readonly procs: ReadonlyMap<number, ProcessInfo>
  readonly parents: ReadonlySet<number>
  readonly worktrees: ReadonlyMap<string, WorktreeInfo>
}

const indexCache = new WeakMap<Signals, SignalIndex>()

const push = <K, V>(m: Map<K, Array<V>>, k: K, v: V) => {
  const list = m.get(k)
  if (list === undefined) m.set(k, [v])
  else list.push(v)
}

const indexOf = (signals: Signals): SignalIndex => {
  const hit = indexCache.get(signals)
  if (hit !== undefined) return hit
  const byTag = new Map<string, Array<TmuxPane>>()
  const untaggedBySession = new Map<string, Array<TmuxPane>>()
  for (const p of signals.tmux.state === "up" ? signals.tmux.panes : []) {
    if (p.taskTag === undefined) push(untaggedBySession, p.sessionName, p)
    else push(byTag, p.taskTag, p)
  }
  const procs = new Map<number, ProcessInfo>()
  const parents = new Set<number>()
  for (const p of signals.processes.state === "known" ? signals.processes.processes : []) {
    procs.set(p.pid, p)
    parents.add(p.ppid)
  }
  const worktrees = new Map<string, WorktreeInfo>()
  for (const w of signals.worktrees) if (!worktrees.has(w.path)) worktrees.set(w.path, w)
  const index = { byTag, untaggedBySession, procs, parents, worktrees }
  indexCache.set(signals, index)
  return index
}

const byPaneId = (a: TmuxPane, b: TmuxPane) => (a.paneId < b.paneId ? -1 : a.paneId > b.paneId ? 1 : 0)

/**
 * The panes that belong to a task: tagged with its ownership tag, or (for a pane whose tag was never
 * set) carrying exactly its session name. A pane with that name but another tag is not ours.
 */
export const panesOf = (state: BatchState, task: Task, signals: Signals): ReadonlyArray<TmuxPane> => {
  const index = indexOf(signals)
  const tagged = index.byTag.get(ownershipTag(state.batchId, task.id)) ?? []
  const mine =
    tagged.length > 0 || task.session === undefined || !hostDeclaresSessions(state)
      ? tagged
      : (index.untaggedBySession.get(task.session) ?? [])
  // Deterministic whatever order tmux listed them in (one pane is the common case: no copy).
  return mine.length <= 1 ? mine : [...mine].sort(byPaneId)
}

const hasChildren = (signals: Signals, pid: number): boolean => indexOf(signals).parents.has(pid)

const processOf = (signals: Signals, pid: number): ProcessInfo | undefined => indexOf(signals).procs.get(pid)

/** Whether the process rekindle recorded for this task (pid + start time) is alive right now. */
export const recordedAgentAlive = (task: Task, signals: Signals): boolean | undefined => {
  if (task.agentProcess === undefined || signals.processes.state !== "known") return undefined
  if (task.agentProcess.host !== signals.host) return undefined
  const p = processOf(signals, task.agentProcess.pid)
  return p !== undefined && p.startTime === task.agentProcess.startTime
}

/** Session and agent evidence for one task, with how a dead pane's program ended. */
const livenessFull = (
  state: BatchState,
  task: Task,
  signals: Signals
): {
  readonly session: Evidence["session"]
  readonly agent: Evidence["agent"]
  readonly sessionName?: string
  readonly exitStatus?: number
  readonly exitSignal?: number
} => {
  if (signals.tmux.state === "unknown") return { session: "unknown", agent: "unknown" }
  const panes = signals.tmux.state === "up" ? panesOf(state, task, signals) : []
  const pane = panes[0]
  if (pane === undefined) {
    // No session, but an agent process rekindle launched may have outlived its tmux server.
    return { session: "absent", agent: recordedAgentAlive(task, signals) === true ? "alive" : "gone" }
  }
  const sessionName = pane.sessionName
  // The pane may be dead while the agent rekindle recorded (pid + start time) lives on elsewhere.
  const stray: Evidence["agent"] = recordedAgentAlive(task, signals) === true ? "alive" : "gone"
  if (pane.dead) {
    return {
      session: "dead-pane",
      agent: stray,
      sessionName,
      ...(pane.deadStatus === undefined ? {} : { exitStatus: pane.deadStatus }),
      ...(pane.deadSignal === undefined ? {} : { exitSignal: pane.deadSignal })
    }
  }
  if (signals.processes.state === "known") {
    const proc = processOf(signals, pane.panePid)
    if (proc === undefined) return { session: "dead-pane", agent: stray, sessionName }
    const pidReused =
      task.agentProcess !== undefined &&
      task.agentProcess.pid === pane.panePid &&
      task.agentProcess.host === signals.host &&
      task.agentProcess.startTime !== proc.startTime
    if (pidReused) return { session: "bare-shell", agent: stray, sessionName }
  }
  const bare =
    task.agent !== "shell" &&
    SHELLS.has(pane.currentCommand) &&
    signals.processes.state === "known" &&
    !hasChildren(signals, pane.panePid)
  return bare ? { session: "bare-shell", agent: stray, sessionName } : { session: "alive", agent: "alive", sessionName }
}

const listed = (signals: Signals, path: string): WorktreeInfo | undefined => indexOf(signals).worktrees.get(path)

/** Worktree evidence: archived on purpose, present, missing or corrupt (directory without `.git`). */
export const worktreeEvidence = (task: Task, signals: Signals): Evidence["worktree"] => {
  if (task.worktreeArchived === true) return "archived"
  if (task.worktree === undefined) return "none"
  const onDisk = own(signals.paths, task.worktree)
  if (onDisk !== undefined) return onDisk
  const w = listed(signals, task.worktree)
  return w !== undefined && !w.prunable ? "present" : "missing"
}

/** Whether the task's worktree is dirty, when observe checked it. */
export const worktreeDirty = (task: Task, signals: Signals): boolean | undefined =>
  task.worktree === undefined ? undefined : listed(signals, task.worktree)?.dirty

/** Session and agent evidence for one task. */
export const liveness = (
  state: BatchState,
  task: Task,
  signals: Signals
): { readonly session: Evidence["session"]; readonly agent: Evidence["agent"]; readonly sessionName?: string } => {
  const { session, agent, sessionName } = livenessFull(state, task, signals)
  return sessionName === undefined ? { session, agent } : { session, agent, sessionName }
}

/** Full evidence for one task. */
export const evidenceFor = (state: BatchState, task: Task, signals: Signals): Evidence => {
  const live = livenessFull(state, task, signals)
  const marker = own(signals.markers, task.id)
  const dirty = worktreeDirty(task, signals)
  return {
    persisted: task.status,
    session: live.session,
    agent: live.agent,
    worktree: worktreeEvidence(task, signals),
    marker: marker === undefined ? "none" : !marker.valid ? "invalid" : (marker.status ?? "succeeded"),
    transcript:
      task.conversationId === undefined
        ? "none"
        : signals.transcripts[task.conversationId] === true
          ? "valid"
          : "missing",
    ...(live.sessionName === undefined ? {} : { sessionName: live.sessionName }),
    ...(live.exitStatus === undefined ? {} : { exitStatus: live.exitStatus }),
    ...(live.exitSignal === undefined ? {} : { exitSignal: live.exitSignal }),
    ...(dirty === undefined ? {} : { dirty })
  }
}

const decision = (
  task: Task,
  evidence: Evidence,
  row: number,
  action: TaskDecision["action"],
  reason: string,
  extra: Partial<Pick<TaskDecision, "outcome" | "exitStatus" | "stopSession" | "resumeConversation">> = {}
): TaskDecision => ({ taskId: task.id, action, row, reason, evidence, ...extra })

const resumeHow = (e: Evidence): string =>
  e.transcript === "valid"
    ? "resuming its conversation"
    : e.transcript === "missing"
      ? "fresh with a handoff prompt (conversation transcript missing, empty or not parseable)"
      : "fresh with a handoff prompt"

/** Decide for one task given its evidence (the table above, in order). */
export const decideTask = (task: Task, e: Evidence): TaskDecision => {
  if (e.marker === "succeeded" || e.marker === "failed") {
    const alive = e.agent === "alive" ? " (its session is still alive)" : ""
    return decision(task, e, 1, "mark-complete", `done marker reports ${e.marker}${alive}`, { outcome: e.marker })
  }
  const started = !neverStarted(task)
  if (e.session === "unknown" && started && !isTerminal(task)) {
    return decision(
      task,
      e,
      2,
      "hold",
      "tmux did not answer: cannot tell whether the agent is alive, so nothing is touched"
    )
  }
  const usable = e.worktree === "present"
  if (!isTerminal(task)) {
    if (e.session === "alive" && e.agent === "alive") {
      return decision(task, e, 3, "reconnect", "session and agent process are alive")
    }
    if (e.session === "dead-pane" || e.session === "bare-shell") {
      const what = e.session === "dead-pane" ? "the pane is dead" : "only a shell is left in the pane"
      if (e.agent === "alive") {
        return decision(
          task,
          e,
          4,
          "hold",
          `${what} but the agent process rekindle launched is still alive: stop it or wait for it to exit, then resume (never two agents)`
        )
      }
      if (e.session === "dead-pane" && e.exitStatus !== undefined) {
        return decision(
          task,
          e,
          4,
          "mark-failed",
          `the agent exited with status ${e.exitStatus} without a done marker`,
          { exitStatus: e.exitStatus }
        )
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
      return decision(
        task,
        e,
        3,
        "hold",
        "the agent process is still alive outside tmux: stop it or wait for it to exit, then resume (never two agents)"
      )
    }
  }
  if (isTerminal(task)) {
    const linger =
      e.session === "alive" || e.session === "dead-pane" || e.session === "bare-shell"
        ? "; its session lingers (repair can stop it)"
        : ""
    return decision(task, e, 5, "skip", `already ${task.status}${linger}`)
  }
  if (!started)
    return decision(
      task,
      e,
      7,
      "pending",
      task.status === "blocked" ? "blocked: a task it depends on did not succeed" : "not started yet"
    )
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
    out.push(
      ...[...byId.values()].filter((t) => !placed.has(t)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    )
  }
  return out
}

/** One decision per task (in {@link taskOrder}), with action, row, reason and evidence. */
export const reconcile = (state: BatchState, signals: Signals): ReadonlyArray<TaskDecision> =>
  taskOrder(state).map((task) => decideTask(task, evidenceFor(state, task, signals)))
