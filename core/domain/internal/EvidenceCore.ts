/**
 * The one implementation of "what the signals say about a task", shared by the per-task API
 * (Evidence.ts: evidenceFor, liveness, …) and the batch path of reconcile. Given the task's own pane
 * (chosen by the caller), it reads the process table, worktrees, marker and transcript.
 *
 * Written for the 100k-task decide path: signal lookups are indexed once per Signals value (each
 * part only when first needed), and the evidence object is built as one literal of a fixed shape —
 * no intermediate objects, spreads or closures per task. Internal module (not re-exported).
 */
import type { Evidence } from "../Decision.ts"
import { IdTable } from "./IdTable.ts"
import type { ProcessInfo, Signals, TmuxPane, WorktreeInfo } from "../Signals.ts"
import type { Task } from "../State.ts"

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

/** Lookups over one Signals value; each built on first use (signals are immutable values). */
interface SignalIndex {
  procs?: IdTable<number>
  parents?: ReadonlySet<number>
  worktrees?: ReadonlyMap<string, WorktreeInfo>
}

const indexCache = new WeakMap<Signals, SignalIndex>()

const indexOf = (signals: Signals): SignalIndex => {
  let index = indexCache.get(signals)
  if (index === undefined) {
    index = {}
    indexCache.set(signals, index)
  }
  return index
}

const processList = (signals: Signals): ReadonlyArray<ProcessInfo> =>
  signals.processes.state === "known" ? signals.processes.processes : []

/** The process with this pid in the snapshot (the last listed, should a snapshot repeat a pid). */
const processOf = (signals: Signals, pid: number): ProcessInfo | undefined => {
  const index = indexOf(signals)
  const list = processList(signals)
  if (index.procs === undefined) {
    const pids: Array<number> = []
    for (let i = 0; i < list.length; i++) pids.push(list[i]!.pid)
    index.procs = new IdTable(pids, () => true) // a repeated pid: the last listed wins
  }
  const at = index.procs.get(pid)
  return at === -1 ? undefined : list[at]
}

const hasChildren = (signals: Signals, pid: number): boolean => {
  const index = indexOf(signals)
  if (index.parents === undefined) {
    const parents = new Set<number>()
    for (const p of processList(signals)) parents.add(p.ppid)
    index.parents = parents
  }
  return index.parents.has(pid)
}

/** The worktree listed at `path` (first listing wins). */
export const listedWorktree = (signals: Signals, path: string): WorktreeInfo | undefined => {
  if (signals.worktrees.length === 0) return undefined
  const index = indexOf(signals)
  if (index.worktrees === undefined) {
    const worktrees = new Map<string, WorktreeInfo>()
    for (const w of signals.worktrees) if (!worktrees.has(w.path)) worktrees.set(w.path, w)
    index.worktrees = worktrees
  }
  return index.worktrees.get(path)
}

/** Whether the process rekindle recorded for this task (pid + start time) is alive right now. */
export const recordedAlive = (task: Task, signals: Signals): boolean | undefined => {
  if (task.agentProcess === undefined || signals.processes.state !== "known") return undefined
  if (task.agentProcess.host !== signals.host) return undefined
  const p = processOf(signals, task.agentProcess.pid)
  return p !== undefined && p.startTime === task.agentProcess.startTime
}

/** Worktree evidence: archived on purpose, present, missing or corrupt (directory without `.git`). */
export const worktreeState = (task: Task, signals: Signals): Evidence["worktree"] => {
  if (task.worktreeArchived === true) return "archived"
  if (task.worktree === undefined) return "none"
  const paths = signals.paths
  const onDisk = paths[task.worktree]
  // Own entries only (a path may be named like an Object.prototype member); a string is always own.
  if (onDisk !== undefined && (typeof onDisk === "string" || Object.hasOwn(paths, task.worktree))) return onDisk
  const w = listedWorktree(signals, task.worktree)
  return w !== undefined && !w.prunable ? "present" : "missing"
}

/** The session evidence of a task whose own pane (if any) is `pane`, tmux being up or gone. */
const sessionOf = (task: Task, pane: TmuxPane, signals: Signals): Evidence["session"] => {
  if (pane.dead) return "dead-pane"
  const known = signals.processes.state === "known"
  if (known) {
    const proc = processOf(signals, pane.panePid)
    if (proc === undefined) return "dead-pane"
    const a = task.agentProcess
    if (a !== undefined && a.pid === pane.panePid && a.host === signals.host && a.startTime !== proc.startTime)
      return "bare-shell"
  }
  return task.agent !== "shell" && SHELLS.has(pane.currentCommand) && known && !hasChildren(signals, pane.panePid)
    ? "bare-shell"
    : "alive"
}

/**
 * Full evidence for `task`, whose own pane — the one {@link panesOf} lists first — is `pane`
 * (undefined: none). Key order is fixed (sessionName, then dirty, last) so JSON output is stable.
 */
export const evidenceWith = (task: Task, pane: TmuxPane | undefined, signals: Signals): Evidence => {
  let session: Evidence["session"]
  let agent: Evidence["agent"]
  if (signals.tmux.state === "unknown") {
    session = "unknown"
    agent = "unknown"
  } else if (pane === undefined) {
    // No session, but an agent process rekindle launched may have outlived its tmux server.
    session = "absent"
    agent = recordedAlive(task, signals) === true ? "alive" : "gone"
  } else {
    session = sessionOf(task, pane, signals)
    // A dead pane or bare shell: the agent rekindle recorded (pid + start time) may live on elsewhere.
    agent = session === "alive" ? "alive" : recordedAlive(task, signals) === true ? "alive" : "gone"
  }
  // Own entries only (`constructor` and `toString` are valid task ids), and asked with hasOwn first:
  // in V8 a missing key read as `record[key]` from a small record allocates (~32 B, measured) and is
  // several times slower, and most tasks have no marker (an empty record is the common case).
  const markers = signals.markers
  const m = Object.hasOwn(markers, task.id) ? markers[task.id] : undefined
  const marker: Evidence["marker"] = m === undefined ? "none" : !m.valid ? "invalid" : (m.status ?? "succeeded")
  const transcript: Evidence["transcript"] =
    task.conversationId === undefined
      ? "none"
      : Object.hasOwn(signals.transcripts, task.conversationId) && signals.transcripts[task.conversationId] === true
        ? "valid"
        : "missing"
  const worktree = worktreeState(task, signals)
  const dirty = task.worktree === undefined ? undefined : listedWorktree(signals, task.worktree)?.dirty
  const persisted = task.status
  if (pane === undefined || session === "unknown") {
    return dirty === undefined
      ? { persisted, session, agent, worktree, marker, transcript }
      : { persisted, session, agent, worktree, marker, transcript, dirty }
  }
  const sessionName = pane.sessionName
  if (session === "dead-pane" && pane.dead && (pane.deadStatus !== undefined || pane.deadSignal !== undefined)) {
    // Rare (a dead pane), so no fixed-shape literal: how its program ended decides row 4.
    return {
      persisted,
      session,
      agent,
      worktree,
      marker,
      transcript,
      sessionName,
      ...(pane.deadStatus === undefined ? {} : { exitStatus: pane.deadStatus }),
      ...(pane.deadSignal === undefined ? {} : { exitSignal: pane.deadSignal }),
      ...(dirty === undefined ? {} : { dirty })
    }
  }
  return dirty === undefined
    ? { persisted, session, agent, worktree, marker, transcript, sessionName }
    : { persisted, session, agent, worktree, marker, transcript, sessionName, dirty }
}
