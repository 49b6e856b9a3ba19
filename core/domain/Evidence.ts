/**
 * Reading the live signals for one task: which session and agent process are its own, whether its
 * worktree is usable, what its marker and transcript say. Liveness is per task (its own session and
 * pane), never inferred from a lane or another task.
 *
 * This is the per-task API (status, attach, abort, monitor call it for a task at a time). reconcile
 * matches every pane to its task in one pass instead, then shares the rest of the reading with this
 * module through EvidenceCore.ts, so both paths decide on exactly the same facts.
 */
import type { Evidence } from "./Decision.ts"
import { evidenceWith, recordedAlive, SHELLS, listedWorktree, worktreeState } from "./internal/EvidenceCore.ts"
import { hostDeclaresSessions, ownershipTag } from "./Naming.ts"
import type { Signals, TmuxPane } from "./Signals.ts"
import { TERMINAL_STATUSES, type BatchState, type Task } from "./State.ts"

export { SHELLS }

/** True when the persisted status means the task never runs again on its own. */
export const isTerminal = (task: Task): boolean => TERMINAL_STATUSES.includes(task.status)

/** True when the task was never launched: no attempt, no start time, not running. */
export const neverStarted = (task: Task): boolean =>
  (task.status === "pending" || task.status === "blocked") && task.attempts === 0 && task.startedAt === undefined

/** Panes by ownership tag and (untagged panes only) by session name, built once per Signals value. */
interface PaneIndex {
  readonly byTag: ReadonlyMap<string, ReadonlyArray<TmuxPane>>
  readonly untaggedBySession: ReadonlyMap<string, ReadonlyArray<TmuxPane>>
}

const paneCache = new WeakMap<Signals, PaneIndex>()

const push = <K, V>(m: Map<K, Array<V>>, k: K, v: V) => {
  const list = m.get(k)
  if (list === undefined) m.set(k, [v])
  else list.push(v)
}

const paneIndex = (signals: Signals): PaneIndex => {
  const hit = paneCache.get(signals)
  if (hit !== undefined) return hit
  const byTag = new Map<string, Array<TmuxPane>>()
  const untaggedBySession = new Map<string, Array<TmuxPane>>()
  for (const p of signals.tmux.state === "up" ? signals.tmux.panes : []) {
    if (p.taskTag === undefined) push(untaggedBySession, p.sessionName, p)
    else push(byTag, p.taskTag, p)
  }
  const index = { byTag, untaggedBySession }
  paneCache.set(signals, index)
  return index
}

const byPaneId = (a: TmuxPane, b: TmuxPane) => (a.paneId < b.paneId ? -1 : a.paneId > b.paneId ? 1 : 0)

/**
 * The panes that belong to a task: tagged with its ownership tag, or — in a batch imported from a host
 * that declared its sessions ({@link hostDeclaresSessions}) — the untagged pane of exactly its session
 * name. A pane with that name but another tag, or untagged in a batch rekindle runs, is not ours.
 */
export const panesOf = (state: BatchState, task: Task, signals: Signals): ReadonlyArray<TmuxPane> => {
  const index = paneIndex(signals)
  const tagged = index.byTag.get(ownershipTag(state.batchId, task.id)) ?? []
  const mine =
    tagged.length > 0 || task.session === undefined || !hostDeclaresSessions(state)
      ? tagged
      : (index.untaggedBySession.get(task.session) ?? [])
  // Deterministic whatever order tmux listed them in (one pane is the common case: no copy).
  return mine.length <= 1 ? mine : [...mine].sort(byPaneId)
}

/** Whether the process rekindle recorded for this task (pid + start time) is alive right now. */
export const recordedAgentAlive = (task: Task, signals: Signals): boolean | undefined => recordedAlive(task, signals)

/** Full evidence for one task. */
export const evidenceFor = (state: BatchState, task: Task, signals: Signals): Evidence =>
  evidenceWith(task, signals.tmux.state === "up" ? panesOf(state, task, signals)[0] : undefined, signals)

/** Session and agent evidence for one task. */
export const liveness = (
  state: BatchState,
  task: Task,
  signals: Signals
): { readonly session: Evidence["session"]; readonly agent: Evidence["agent"]; readonly sessionName?: string } => {
  const e = evidenceFor(state, task, signals)
  return e.sessionName === undefined
    ? { session: e.session, agent: e.agent }
    : { session: e.session, agent: e.agent, sessionName: e.sessionName }
}

/** Worktree evidence: archived on purpose, present, missing or corrupt (directory without `.git`). */
export const worktreeEvidence = (task: Task, signals: Signals): Evidence["worktree"] => worktreeState(task, signals)

/** Whether the task's worktree is dirty, when observe checked it. */
export const worktreeDirty = (task: Task, signals: Signals): boolean | undefined =>
  task.worktree === undefined ? undefined : listedWorktree(signals, task.worktree)?.dirty
