/**
 * Small builders for domain tests: a valid state, signals and panes with sensible defaults, so each
 * test names only the facts its row is about.
 */
import type { BatchState, Signals, Task, TmuxPane } from "../../core/domain/index.ts"
import { ownershipTag, sessionNameFor, worktreeFor } from "../../core/domain/index.ts"

export const BATCH = "b1"
export const REPO = "/repo"

/** A task that has been launched once and is running, with its session and worktree recorded. */
export const task = (id: string, overrides: Partial<Task> = {}): Task => ({
  id,
  status: "running",
  dependsOn: [],
  agent: "claude",
  prompt: `do ${id}`,
  attempts: 1,
  session: sessionNameFor(BATCH, id),
  worktree: worktreeFor(REPO, BATCH, id),
  branch: `rekindle/${BATCH}/${id}`,
  startedAt: 1_000,
  conversationId: `conv-${id}`,
  ...overrides
})

/** A task that was planned but never launched. */
export const pendingTask = (id: string, overrides: Partial<Task> = {}): Task => {
  const { startedAt: _s, conversationId: _c, ...rest } = task(id)
  return { ...rest, status: "pending", attempts: 0, ...overrides }
}

/** A state holding `tasks` in the given waves (default: one wave with every task). */
export const state = (tasks: ReadonlyArray<Task>, overrides: Partial<BatchState> = {}): BatchState => ({
  version: 1,
  batchId: BATCH,
  phase: "executing",
  repoRoot: REPO,
  baseBranch: "main",
  waves: [tasks.map((t) => t.id)],
  tasks,
  lanes: [],
  merges: [],
  counters: {},
  errors: [],
  logCheckpoints: {},
  prompts: [],
  createdAt: 0,
  updatedAt: 0,
  ...overrides
})

let paneSeq = 0
/** A live pane of `taskId` running its agent (pid chosen so the process table can include it). */
export const pane = (taskId: string, overrides: Partial<TmuxPane> = {}): TmuxPane => ({
  sessionId: `$${++paneSeq}`,
  sessionName: sessionNameFor(BATCH, taskId),
  paneId: `%${paneSeq}`,
  panePid: 5000 + paneSeq,
  dead: false,
  currentCommand: "claude",
  taskTag: ownershipTag(BATCH, taskId),
  ...overrides
})

/** Signals with tmux up and the given panes; the process table holds each live pane's process. */
export const signals = (panes: ReadonlyArray<TmuxPane>, overrides: Partial<Signals> = {}): Signals => ({
  observedAt: 10_000,
  host: "h",
  tmux: { state: "up", panes },
  processes: {
    state: "known",
    processes: panes
      .filter((p) => !p.dead)
      .map((p) => ({ pid: p.panePid, ppid: 1, startTime: `s${p.panePid}`, argv: [p.currentCommand] }))
  },
  worktrees: [],
  paths: {},
  markers: {},
  transcripts: {},
  ...overrides
})

/** Paths record marking each task's worktree as present. */
export const present = (...tasks: ReadonlyArray<Task>): Record<string, "present"> =>
  Object.fromEntries(tasks.flatMap((t) => (t.worktree === undefined ? [] : [[t.worktree, "present" as const]])))
