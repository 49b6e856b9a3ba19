/**
 * Deterministic generated batches for the benchmarks: N tasks in waves of up to 50, every third
 * running with a live pane, every fifth succeeded, some crashed panes, worktrees for started tasks.
 *
 * The signals are what observe would report for that world: a done marker for every succeeded task
 * and a transcript check for every live task with a conversation (a quarter of them invalid), not
 * empty records. And the values are returned as loaded — the state parsed from its JSON document,
 * the signals from theirs — because that is what decide runs on in `rekindle plan`: each document's
 * objects allocated together, not interleaved with the other's and with the generator's temporaries.
 * At 100k tasks that layout alone moves decide by ~1.5× (measured, old and new code alike), so a
 * bench on the interleaved objects would measure the generator, not rekindle.
 */
import {
  ownershipTag,
  sessionNameFor,
  worktreeFor,
  type BatchState,
  type DoneMarker,
  type Signals,
  type Task,
  type TmuxPane
} from "../../core/domain/index.ts"

const REPO = "/bench/repo"
const BATCH = "bench"

/** A state and signals with `n` tasks, as built (before the JSON round trip of {@link generateBatch}). */
export const buildBatch = (n: number): { readonly state: BatchState; readonly signals: Signals } => {
  const tasks: Array<Task> = []
  const panes: Array<TmuxPane> = []
  const processes: Array<{ pid: number; ppid: number; startTime: string; argv: Array<string> }> = []
  const paths: Record<string, "present" | "missing"> = {}
  const markers: Record<string, DoneMarker> = {}
  const transcripts: Record<string, boolean> = {}
  const waves: Array<Array<string>> = []
  for (let i = 0; i < n; i++) {
    const id = `t${i}`
    const wave = Math.floor(i / 50)
    ;(waves[wave] ??= []).push(id)
    const started = i % 3 !== 2
    const status = i % 5 === 0 ? "succeeded" : started ? "running" : "pending"
    const worktree = worktreeFor(REPO, BATCH, id)
    tasks.push({
      id,
      status,
      dependsOn: wave > 0 && i % 7 === 0 ? [`t${i - 50}`] : [],
      agent: "claude",
      prompt: `task ${i}`,
      attempts: started ? 1 : 0,
      session: sessionNameFor(BATCH, id),
      worktree,
      branch: `rekindle/${BATCH}/${id}`,
      ...(started ? { startedAt: 1_000, conversationId: `c${i}` } : {})
    })
    if (status === "succeeded") markers[id] = { valid: true, status: "succeeded" }
    if (started && status !== "succeeded") transcripts[`c${i}`] = i % 4 !== 0
    if (started) {
      paths[worktree] = "present"
      const pid = 10_000 + i
      const dead = i % 11 === 0
      panes.push({
        sessionId: `$${i}`,
        sessionName: sessionNameFor(BATCH, id),
        paneId: `%${i}`,
        panePid: pid,
        dead,
        currentCommand: "claude",
        taskTag: ownershipTag(BATCH, id)
      })
      if (!dead) processes.push({ pid, ppid: 1, startTime: `s${pid}`, argv: ["claude"] })
    }
  }
  const state: BatchState = {
    version: 1,
    batchId: BATCH,
    phase: "executing",
    repoRoot: REPO,
    baseBranch: "main",
    waves,
    tasks,
    lanes: [],
    merges: [],
    counters: {},
    errors: [],
    logCheckpoints: {},
    prompts: [],
    createdAt: 0,
    updatedAt: 0
  }
  const signals: Signals = {
    observedAt: 10_000,
    host: "h",
    tmux: { state: "up", panes },
    processes: { state: "known", processes },
    worktrees: [],
    paths,
    markers,
    transcripts
  }
  return { state, signals }
}

/** A state and signals with `n` tasks, as loaded from their JSON documents. */
export const generateBatch = (n: number): { readonly state: BatchState; readonly signals: Signals } => {
  const { state, signals } = buildBatch(n)
  return {
    state: JSON.parse(JSON.stringify(state)) as BatchState,
    signals: JSON.parse(JSON.stringify(signals)) as Signals
  }
}
