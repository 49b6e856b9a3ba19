/**
 * status: the persisted state joined with live signals — per task its status, liveness, age, last
 * output, attempts — plus batch counters and the lease owner. Read-only.
 */
import * as Effect from "effect/Effect"
import { detectActivity, type AgentActivity } from "../../domain/Detector.ts"
import { ownGet } from "../../domain/Records.ts"
import { ownershipTag } from "../../domain/Naming.ts"
import { FIRST_RUN_SCREENS } from "../../domain/Screens.ts"
import { blockingScreen, type TaskWaiting } from "../../domain/Waiting.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { evidenceFor } from "../../domain/Evidence.ts"
import { taskOrder } from "../../domain/Reconcile.ts"
import type { Signals } from "../../domain/Signals.ts"
import { type ShownStatus, shownStatus } from "../../domain/ShownStatus.ts"
import type { BatchState, Lease, TaskStatus } from "../../domain/State.ts"
import type { LeaseLiveness } from "../../domain/LeaseDecision.ts"
import { LeaseStore } from "../../ports/Lease.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { LogTail } from "../../ports/LogTail.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { observe } from "../support/Observe.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"
import { ownerLiveness } from "../support/SupervisorLease.ts"
import { readRequests } from "../support/Requests.ts"
import { launchingPaused, openRequests } from "../../domain/ControlRequest.ts"

/** One task row of `rekindle status`. */
export interface TaskRow {
  readonly id: string
  /** The persisted status, or `stopped` for a task an abort left without its agent (core/domain/ShownStatus.ts). */
  readonly status: ShownStatus
  readonly wave: number | undefined
  readonly session: "alive" | "dead-pane" | "bare-shell" | "absent" | "unknown"
  readonly agent: "alive" | "gone" | "unknown"
  readonly attempts: number
  /** ms since the task started (running) or ran (finished). */
  readonly ageMs: number | undefined
  /** ms since the pane last wrote to its log. */
  readonly lastOutputAgoMs: number | undefined
  readonly exitReason: string | undefined
  /** What the agent seems to be doing, from the tail of its log (running tasks only). */
  readonly activity: AgentActivity | undefined
  readonly lastLine: string | undefined
  /** The session actually observed for the task, else the one the state records. */
  readonly sessionName: string | undefined
  readonly worktree: string | undefined
  readonly branch: string | undefined
  /**
   * The screen that blocks the agent's work (core/domain/Waiting.ts): the task is shown `waiting`, with the screen's id
   * (`unrecognised` when not a known one), how to get past it and the captured lines.
   */
  readonly screen?: Screen
}

/** A screen a task waits at, as status shows it. */
type Screen = Omit<TaskWaiting, "since">

/** What `rekindle status` shows. */
export interface StatusReport {
  readonly batchId: string
  readonly phase: BatchState["phase"]
  readonly baseBranch: string
  readonly waves: number
  readonly tasks: ReadonlyArray<TaskRow>
  /** Tasks by shown status. */
  readonly counts: Readonly<Record<ShownStatus, number>>
  readonly lease: Lease | undefined
  /** Whether the lease holder (pid + start time + host) is alive; undefined without a lease. */
  readonly supervisor: LeaseLiveness | undefined
  readonly observedAt: number
  /** A `rekindle pause` is in force: no new task is launched (running agents go on) until `rekindle continue`. */
  readonly launchingPaused?: boolean
  /** Control requests (abort, restart, send, …) written but not yet carried out, oldest first. */
  readonly openRequests?: ReadonlyArray<{ readonly id: string; readonly action: string }>
}

/** How many tasks of `state` have each status. */
export const taskCounts = (state: BatchState): Record<TaskStatus, number> => {
  const counts = { pending: 0, running: 0, succeeded: 0, failed: 0, stalled: 0, skipped: 0, blocked: 0 }
  for (const t of state.tasks) counts[t.status]++
  return counts
}

/** Join a state with signals (pure). */
export const statusOf = (
  state: BatchState,
  signals: Signals,
  lease: Lease | undefined,
  tails: ReadonlyMap<string, ReadonlyArray<string>> = new Map(),
  supervisor: LeaseLiveness | undefined = undefined,
  screens: ReadonlyMap<string, Screen | "none"> = new Map()
): StatusReport => {
  const waveOf = new Map(state.waves.flatMap((ids, w) => ids.map((id) => [id, w] as const)))
  const now = signals.observedAt
  const tasks = taskOrder(state).map((t): TaskRow => {
    const e = evidenceFor(state, t, signals)
    // Own entries only: for a task named `__proto__` a plain index returns Object.prototype.
    const times = signals.lastOutputAt ?? {}
    const out = ownGet(times, t.id)
    // The live capture wins; without one (tmux down, no capture), what the supervisor recorded.
    const live = screens.get(t.id)
    const screen = live === "none" ? undefined : (live ?? (e.agent === "alive" ? t.waiting : undefined))
    const shown = shownStatus(t, state.phase, e.agent === "alive")
    return {
      id: t.id,
      status: screen !== undefined && (shown === "running" || shown === "stalled") ? "waiting" : shown,
      wave: waveOf.get(t.id),
      session: e.session,
      agent: e.agent,
      attempts: t.attempts,
      ageMs: t.startedAt === undefined ? undefined : (t.endedAt ?? now) - t.startedAt,
      lastOutputAgoMs: out === undefined ? undefined : Math.max(0, now - out),
      exitReason: t.exitReason,
      sessionName: e.sessionName ?? t.session,
      worktree: t.worktree,
      branch: t.branch,
      ...activityOf(t.status, e.session, tails.get(t.id), out === undefined ? undefined : now - out),
      ...screenOf(screen === undefined ? undefined : { screen: screen.screen, how: screen.how, lines: screen.lines })
    }
  })
  const counts: Record<ShownStatus, number> = { ...taskCounts(state), stopped: 0, waiting: 0 }
  for (const row of tasks)
    if (row.status === "stopped" || row.status === "waiting") {
      counts[row.status]++
      counts[state.tasks.find((t) => t.id === row.id)!.status]--
    }
  return {
    batchId: state.batchId,
    phase: state.phase,
    baseBranch: state.baseBranch,
    waves: state.waves.length,
    tasks,
    counts,
    lease,
    supervisor,
    observedAt: now
  }
}

const activityOf = (
  status: TaskStatus,
  session: TaskRow["session"],
  lines: ReadonlyArray<string> | undefined,
  quietMs: number | undefined
) => {
  if (status !== "running" && status !== "stalled") return { activity: undefined, lastLine: undefined }
  const d = detectActivity({
    lines: lines ?? [],
    paneDead: session === "dead-pane",
    quietMs: quietMs ?? 0,
    idleAfterMs: 120_000
  })
  return { activity: d.activity, lastLine: d.line }
}

const screenOf = (m: Screen | undefined) =>
  m === undefined
    ? {}
    : { screen: m, activity: "waiting-for-input" as const, lastLine: `stopped at ${m.screen}: ${m.how}` }

/** Lines of a running task's pane captured to recognise a first-run screen. */
const SCREEN_LINES = 60

/** Bytes of each running task's log read to judge its activity (stat + one read; no spawn). */
const TAIL_BYTES = 4096

/** `rekindle status`. */
export const status = Effect.fn("Status.status")(function* (ref: BatchRef) {
  const state = yield* loadState(ref)
  const signals = yield* observe(state)
  const paths = batchPaths(state.repoRoot, state.batchId)
  const lease = yield* (yield* LeaseStore).read(paths.lease).pipe(Effect.orElseSucceed(() => undefined))
  const tail = yield* LogTail
  const tails = new Map<string, ReadonlyArray<string>>()
  for (const t of state.tasks.filter((x) => x.status === "running" || x.status === "stalled")) {
    const size = yield* tail.size(paths.log(t.id)).pipe(Effect.orElseSucceed(() => 0))
    if (size === 0) continue
    const chunk = yield* tail.read(paths.log(t.id), Math.max(0, size - TAIL_BYTES), TAIL_BYTES).pipe(Effect.option)
    if (chunk._tag === "Some") tails.set(t.id, new TextDecoder().decode(chunk.value.bytes).split(/\r?\n/))
  }
  // A lease outlives a SIGKILLed supervisor: its holder is looked up (pid + start time + host).
  const self = yield* (yield* ProcessTable).self.pipe(Effect.option)
  const supervisor =
    lease === undefined || self._tag === "None"
      ? lease === undefined
        ? undefined
        : ("unknown" as const)
      : yield* ownerLiveness(lease.owner, self.value)
  // A running agent stopped at a screen that blocks work shows it, by the supervisor's own rule (core/domain/Waiting.ts)
  // on a live capture (capture-pane: one spawn per live running task).
  const tmux = yield* Tmux
  const screens = new Map<string, Screen | "none">()
  if (signals.tmux.state === "up") {
    for (const t of state.tasks.filter((x) => x.status === "running" || x.status === "stalled")) {
      const pane = signals.tmux.panes.find((p) => p.taskTag === ownershipTag(state.batchId, t.id) && !p.dead)
      if (pane === undefined) continue
      const lines = yield* tmux.capture({ paneId: pane.paneId }, SCREEN_LINES).pipe(Effect.option)
      if (lines._tag === "None") continue
      const out = ownGet(signals.lastOutputAt ?? {}, t.id)
      const quietMs = out === undefined ? 0 : Math.max(0, signals.observedAt - out)
      const waiting = t.waiting !== undefined
      const found = blockingScreen({ table: FIRST_RUN_SCREENS, agent: t.agent, lines: lines.value, quietMs, waiting })
      screens.set(t.id, found ?? "none")
    }
  }
  const requests = yield* readRequests(paths).pipe(Effect.orElseSucceed(() => []))
  return {
    ...statusOf(state, signals, lease, tails, supervisor, screens),
    launchingPaused: launchingPaused(requests),
    openRequests: openRequests(requests).map((r) => ({ id: r.id, action: r.action }))
  } satisfies StatusReport
})
