/**
 * A fast-check generator of consistent (state, signals) scenarios — the one rekindle's own laws are
 * checked with: every task gets a persisted record and a world around it (session alive, dead, bare
 * shell or renamed; agent process; worktree present, missing, corrupt or archived; done marker;
 * transcript), under tmux up / no-server / unknown and a known or unreadable process table. Each
 * value is decoded through the Schemas, so it is a valid document; `aliveAgents` is the oracle for
 * "never two live agents".
 */
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { ownershipTag, sessionNameFor, worktreeFor } from "../../core/domain/Naming.ts"
import type { DoneMarker, PathState, ProcessInfo, TmuxPane, WorktreeInfo } from "../../core/domain/Signals.ts"
import { Signals } from "../../core/domain/Signals.ts"
import { BatchState, TaskStatus, type Task } from "../../core/domain/State.ts"
import { setOwn } from "../../core/domain/Records.ts"
import { planWaves } from "../../core/domain/Waves.ts"

/** Options of {@link scenarioArbitrary}. */
export interface ScenarioOptions {
  /** Default "b1". */
  readonly batchId?: string
  /** Default "/repo". */
  readonly repoRoot?: string
}

const IDS = ["a", "b", "c", "d", "e", "f", "g"]

const taskWorld = fc.record({
  status: fc.constantFrom(...TaskStatus.literals),
  attempts: fc.nat({ max: 5 }),
  started: fc.boolean(),
  lane: fc.constantFrom("L1", "L2", undefined),
  agent: fc.constantFrom("claude", "shell"),
  // dead: exited on its own (status 1); dead-killed: killed by a signal; dead-pending: tmux has not
  // reported how it ended yet; untagged-alive: a user's session that carries the task's session name.
  pane: fc.constantFrom(
    "none",
    "alive",
    "dead",
    "dead-killed",
    "dead-pending",
    "bare",
    "alive-renamed",
    "dead-renamed",
    "untagged-alive"
  ),
  paneProcessKnown: fc.boolean(),
  recordedAgent: fc.constantFrom("none", "same", "other-start", "outside-alive"),
  worktree: fc.constantFrom("present", "missing", "corrupt", "unlisted", "none", "archived"),
  marker: fc.constantFrom("none", "succeeded", "failed", "invalid"),
  conversation: fc.boolean(),
  transcript: fc.boolean(),
  dirty: fc.constantFrom(true, false, undefined),
  backoff: fc.constantFrom(undefined, 5_000, 50_000),
  depMask: fc.nat({ max: 127 })
})

/** One generated scenario. */
export interface Scenario {
  readonly state: BatchState
  readonly signals: Signals
  /** Task ids whose agent process is alive (the oracle for the "never two agents" laws). */
  readonly aliveAgents: ReadonlySet<string>
  /** A permutation key list, to reorder arrays for the determinism law. */
  readonly order: ReadonlyArray<number>
}

const decodeState = Schema.decodeUnknownSync(BatchState)
const decodeSignals = Schema.decodeUnknownSync(Signals)

/** Arbitrary consistent scenarios of up to seven tasks. */
export const scenarioArbitrary = (options: ScenarioOptions = {}): fc.Arbitrary<Scenario> => {
  const BATCH = options.batchId ?? "b1"
  const REPO = options.repoRoot ?? "/repo"
  return fc
    .record({
      n: fc.integer({ min: 1, max: IDS.length }),
      worlds: fc.array(taskWorld, { minLength: IDS.length, maxLength: IDS.length }),
      tmux: fc.constantFrom("up", "up", "up", "no-server", "unknown"),
      procs: fc.constantFrom("known", "known", "unknown"),
      merges: fc.array(
        fc.record({
          wave: fc.nat({ max: 3 }),
          lane: fc.constantFrom("L1", "L2", undefined),
          status: fc.constantFrom("succeeded", "failed", "conflict"),
          at: fc.nat({ max: 20 })
        }),
        { maxLength: 4 }
      ),
      order: fc.array(fc.integer(), { minLength: 64, maxLength: 64 }),
      phase: fc.constantFrom("executing", "paused", "merging")
    })
    .map(({ n, worlds, tmux, procs, merges, order, phase }) => {
      const panes: Array<TmuxPane> = []
      const processes: Array<ProcessInfo> = []
      const worktrees: Array<WorktreeInfo> = []
      const paths: Record<string, PathState> = {}
      const markers: Record<string, DoneMarker> = {}
      const transcripts: Record<string, boolean> = {}
      const aliveAgents = new Set<string>()
      const tasks: Array<Task> = IDS.slice(0, n).map((id, i) => {
        const w = worlds[i]!
        const pid = 100 + i * 10
        const session = sessionNameFor(BATCH, id)
        const worktree = worktreeFor(REPO, BATCH, id)
        const dependsOn = IDS.slice(0, i).filter((_, j) => (w.depMask & (1 << j)) !== 0)
        if (w.pane !== "none") {
          const renamed = w.pane.endsWith("renamed")
          const dead = w.pane.startsWith("dead")
          panes.push({
            sessionId: `$${i}`,
            sessionName: renamed ? `${session}-x` : session,
            paneId: `%${i}`,
            panePid: pid,
            dead,
            ...(w.pane === "dead" || w.pane === "dead-renamed"
              ? { deadStatus: 1 }
              : w.pane === "dead-killed"
                ? { deadSignal: 9 }
                : {}),
            currentCommand: w.pane === "bare" ? "bash" : "agent",
            ...(w.pane === "untagged-alive" ? {} : { taskTag: ownershipTag(BATCH, id) })
          })
          if (!dead && w.paneProcessKnown) processes.push({ pid, ppid: 1, startTime: `s${pid}`, argv: ["agent"] })
        }
        if (w.recordedAgent === "outside-alive")
          processes.push({ pid: pid + 1, ppid: 1, startTime: `s${pid + 1}`, argv: ["agent"] })
        if (w.worktree === "present" || w.worktree === "unlisted") setOwn(paths, worktree, "present")
        if (w.worktree === "missing" || w.worktree === "corrupt") setOwn(paths, worktree, w.worktree)
        if (w.worktree !== "unlisted" && w.worktree !== "none") {
          worktrees.push({
            path: worktree,
            bare: false,
            detached: false,
            locked: false,
            prunable: w.worktree === "missing",
            ...(w.dirty === undefined ? {} : { dirty: w.dirty })
          })
        }
        if (w.marker !== "none")
          setOwn(markers, id, w.marker === "invalid" ? { valid: false } : { valid: true, status: w.marker })
        if (w.conversation) setOwn(transcripts, `conv-${id}`, w.transcript)
        const agentProcess =
          w.recordedAgent === "same"
            ? { pid, startTime: `s${pid}`, host: "h" }
            : w.recordedAgent === "other-start"
              ? { pid, startTime: "older", host: "h" }
              : w.recordedAgent === "outside-alive"
                ? { pid: pid + 1, startTime: `s${pid + 1}`, host: "h" }
                : undefined
        const started = w.started || w.attempts > 0
        return {
          id,
          status: w.status,
          dependsOn,
          agent: w.agent,
          prompt: `do ${id}`,
          attempts: started ? Math.max(1, w.attempts) : 0,
          session,
          ...(w.worktree === "none" ? {} : { worktree }),
          branch: `rekindle/${BATCH}/${id}`,
          ...(w.lane === undefined ? {} : { lane: w.lane }),
          ...(started ? { startedAt: 1 } : {}),
          ...(w.conversation ? { conversationId: `conv-${id}` } : {}),
          ...(agentProcess === undefined ? {} : { agentProcess }),
          ...(w.worktree === "archived" ? { worktreeArchived: true } : {}),
          ...(w.backoff === undefined ? {} : { nextAttemptAt: w.backoff })
        }
      })
      // Oracle: an agent is alive when its own tagged, live pane runs it, or its recorded process lives.
      // An untagged pane is a user's session named like the task's: never the task's agent (a launch
      // tags its pane in the same tmux invocation that creates it).
      const procKnown = procs === "known"
      tasks.forEach((t, i) => {
        const w = worlds[i]!
        const livePane = w.pane === "alive" || w.pane === "alive-renamed"
        if (tmux === "up" && procKnown && livePane && w.paneProcessKnown && w.recordedAgent !== "other-start")
          aliveAgents.add(t.id)
        if (procKnown && w.recordedAgent === "outside-alive") aliveAgents.add(t.id)
      })
      const waves = planWaves(tasks)
      const state = decodeState({
        version: 1,
        batchId: BATCH,
        phase,
        repoRoot: REPO,
        baseBranch: "main",
        waves: waves._tag === "Success" ? waves.success : [tasks.map((t) => t.id)],
        tasks,
        lanes: [],
        merges: merges.map(({ lane, ...m }) => (lane === undefined ? m : { ...m, lane })),
        counters: {},
        errors: [],
        logCheckpoints: {},
        prompts: [],
        createdAt: 0,
        updatedAt: 0
      })
      const signals = decodeSignals({
        observedAt: 10_000,
        host: "h",
        tmux:
          tmux === "up"
            ? { state: "up", panes }
            : tmux === "no-server"
              ? { state: "no-server" }
              : { state: "unknown", reason: "timeout" },
        processes: procKnown ? { state: "known", processes } : { state: "unknown", reason: "EACCES" },
        worktrees,
        paths,
        markers,
        transcripts
      })
      return { state, signals, aliveAgents, order }
    })
}

/** Reorder an array by the scenario's permutation keys (deterministic, covers every permutation class). */
export const permute = <A>(xs: ReadonlyArray<A>, order: ReadonlyArray<number>): ReadonlyArray<A> =>
  xs
    .map((x, i) => [order[i % order.length]! * 64 + i, x] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, x]) => x)
