/**
 * Re-import (`importState(…, { mode: "refresh" })`): a host orchestrator's newer state laid over the
 * rekindle state already saved for the batch. The host is the authority on its own facts (waves,
 * tasks, sessions it started, statuses it saw); rekindle keeps what only it knows — the agent
 * identities, attempts and history of the launches it made, log checkpoints, the prompt and merge
 * ledgers, the lease copy, counters and errors — so a second crash is as safe as the first. Pure.
 */
import { TERMINAL_STATUSES, type BatchState, type Task } from "../domain/State.ts"

/** rekindle relaunched the task after the host last wrote it: rekindle's record of the launch is newer. */
const relaunchedSince = (kept: Task, host: Task): boolean => kept.attempts > host.attempts

const isTerminal = (t: Task): boolean => TERMINAL_STATUSES.includes(t.status)

/** One task: the host's facts, rekindle's bookkeeping, and rekindle's newer launch when it made one. */
const refreshTask = (kept: Task, host: Task): Task => {
  const bookkeeping = {
    attempts: Math.max(kept.attempts, host.attempts),
    ...(kept.history === undefined ? {} : { history: kept.history }),
    ...(kept.nextAttemptAt === undefined ? {} : { nextAttemptAt: kept.nextAttemptAt }),
    ...(kept.worktreeArchived === undefined ? {} : { worktreeArchived: kept.worktreeArchived }),
    // A worktree rekindle made at launch stays rekindle's (to clean) while the host names the same one.
    ...(kept.worktreeOwner === "rekindle" && kept.worktree === host.worktree
      ? { worktreeOwner: "rekindle" as const }
      : {})
  }
  // The host says the task ended: it saw the end (rekindle's agent, or its own, finished or failed).
  if (isTerminal(host)) {
    return { ...host, ...bookkeeping, ...(kept.exitStatus === undefined ? {} : { exitStatus: kept.exitStatus }) }
  }
  // rekindle ended or relaunched it and the host has not caught up: rekindle's record stands.
  if (isTerminal(kept) || relaunchedSince(kept, host)) {
    return { ...host, ...kept, dependsOn: host.dependsOn, prompt: host.prompt, agent: host.agent, ...bookkeeping }
  }
  // Same launch: the host's facts; the identity rekindle recorded unless the host names its own.
  const conversationId = host.conversationId ?? kept.conversationId
  const agentProcess = host.agentProcess ?? (host.session === kept.session ? kept.agentProcess : undefined)
  return {
    ...host,
    ...bookkeeping,
    ...(conversationId === undefined ? {} : { conversationId }),
    ...(agentProcess === undefined ? {} : { agentProcess }),
    ...(kept.exitStatus === undefined ? {} : { exitStatus: kept.exitStatus })
  }
}

const byKey = <A>(items: ReadonlyArray<A>, key: (a: A) => string): ReadonlyArray<A> => {
  const seen = new Set<string>()
  return items.filter((a) => {
    const k = key(a)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * The saved state `kept` refreshed with the host's newly mapped `host` state. Tasks the host no
 * longer lists are dropped (its wave plan is the authority); ledgers are unions, never rewritten.
 */
export const refreshState = (kept: BatchState, host: BatchState): BatchState => {
  const keptTasks = new Map(kept.tasks.map((t) => [t.id, t] as const))
  const tasks = host.tasks.map((t) => {
    const k = keptTasks.get(t.id)
    return k === undefined ? t : refreshTask(k, t)
  })
  const checkpoints = Object.fromEntries(
    Object.entries(kept.logCheckpoints).filter(([id]) => host.tasks.some((t) => t.id === id))
  )
  return {
    ...kept,
    ...host,
    tasks,
    merges: [...byKey([...kept.merges, ...host.merges], (m) => JSON.stringify(m))].sort((a, b) => a.at - b.at),
    errors: byKey([...kept.errors, ...host.errors], (e) => `${e.code}\u0000${e.message}`),
    counters: kept.counters,
    logCheckpoints: checkpoints,
    prompts: kept.prompts,
    ...(kept.lease === undefined ? {} : { lease: kept.lease }),
    ...(kept.options === undefined && host.options === undefined
      ? {}
      : { options: { ...(kept.options ?? host.options!), ...(host.options ?? {}) } }),
    createdAt: kept.createdAt
  }
}
