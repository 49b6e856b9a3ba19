/**
 * Step handlers: a host orchestrator carries out some plan steps its own way (launches its agents
 * with its own command, in its own session, stops them its own way) while rekindle still journals
 * every step (intent → act → done, never twice), holds the lease, snapshots work before a relaunch,
 * makes sure the recorded agent is gone before another starts, and records what the host launched.
 * A handled relaunch leaves the host's session as the host made it: no ownership tag, no
 * remain-on-exit, no output piping.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { stepKey, type RelaunchAgent, type RetryMerge, type SnapshotWip, type StopSession } from "../../domain/Plan.ts"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import type { BatchState, MergeStatus, Task } from "../../domain/State.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { fail } from "../support/Errors.ts"
import { journaled } from "./Journaled.ts"
import { findTask, type Applying } from "./PlanContext.ts"

/** What a host's relaunch started (everything optional: what it does not say is observed). */
export interface HostLaunch {
  /** The tmux session it runs in (default the step's `session`). */
  readonly session?: string
  /** The agent's pid; default the pid of that session's pane. Its start time is read from the process table. */
  readonly pid?: number
  readonly conversationId?: string
}

/** What a host's snapshot kept (optional: rekindle records that the host snapshotted). */
export interface HostSnapshot {
  /** Where the work is now (a ref, a stash, a path: the host's words), recorded in the task's history. */
  readonly ref?: string
}

/** How a host's merge of one lane went; a lane it does not report counts as merged. */
export interface HostLaneMerge {
  readonly lane: string
  readonly status: MergeStatus
  /** The commit the target points at after the merge. */
  readonly commit?: string
  readonly reason?: string
}

/**
 * The steps a host may carry out itself. Each gets the step and the task (or batch) as rekindle has
 * it. A handler may run again after a crash between it and the step's done line (rekindle cannot
 * look inside the host's way of doing it), so make `SnapshotWip` and `RetryMerge` idempotent:
 * merging a branch already merged is a no-op.
 */
export interface StepHandlers {
  /** Stop the task's stale session. rekindle then makes sure the agent it recorded is gone. */
  readonly StopSession?: (step: StopSession, task: Task | undefined) => Promise<void>
  /** Start the task's agent again (the recorded agent is already gone). */
  readonly RelaunchAgent?: (step: RelaunchAgent, task: Task) => Promise<HostLaunch | undefined>
  /** Keep the work of the task's worktree before its agent is relaunched, the host's way. */
  readonly SnapshotWip?: (step: SnapshotWip, task: Task | undefined) => Promise<HostSnapshot | undefined>
  /** Merge the step's lanes of a finished wave, the host's way; rekindle records each outcome in its ledger. */
  readonly RetryMerge?: (step: RetryMerge, state: BatchState) => Promise<ReadonlyArray<HostLaneMerge> | undefined>
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const handlerFailed = (tag: string, taskId: string | undefined, e: unknown) =>
  fail(
    tag === "RelaunchAgent"
      ? "E_AGENT"
      : tag === "SnapshotWip" || tag === "RetryMerge"
        ? "E_GIT_FAILED"
        : "E_TMUX_UNAVAILABLE",
    `the host's ${tag} handler failed${taskId === undefined ? "" : ` for task ${taskId}`}: ${messageOf(e)}`,
    "the step is journaled as started, not done: fix the cause and resume again (it is re-examined, not repeated blindly)"
  )

/** The live pane of `session` (any owner: the host made it), if any. */
const livePane = (session: string) =>
  Effect.gen(function* () {
    const snap = yield* (yield* Tmux).snapshot.pipe(Effect.orElseSucceed(() => ({ state: "no-server" as const })))
    return snap.state === "up" ? snap.panes.find((p) => p.sessionName === session && !p.dead) : undefined
  })

/** pid + start time + host of a running pid, when it runs. */
const identityOf = (pid: number) =>
  Effect.gen(function* () {
    const procs = yield* ProcessTable
    const all = yield* procs.snapshot.pipe(Effect.orElseSucceed(() => []))
    const self = yield* procs.self.pipe(Effect.option)
    const p = all.find((x) => x.pid === pid)
    return p === undefined || self._tag === "None"
      ? undefined
      : ({ pid, startTime: p.startTime, host: self.value.host } satisfies ProcessIdentity)
  })

/** The task as persisted after the host launched it into `session` (pid observed when not given). */
const launchedTask = (task: Task, step: typeof RelaunchAgent.Type, launch: HostLaunch | undefined) =>
  Effect.gen(function* () {
    const session = launch?.session ?? step.session
    const pid = launch?.pid ?? (yield* livePane(session))?.panePid
    const agentProcess = pid === undefined ? undefined : yield* identityOf(pid)
    const now = yield* Clock.currentTimeMillis
    const { agentProcess: _stale, ...rest } = task
    return {
      ...rest,
      status: "running",
      attempts: step.attempt,
      session,
      startedAt: task.startedAt ?? now,
      ...(launch?.conversationId === undefined ? {} : { conversationId: launch.conversationId }),
      ...(agentProcess === undefined ? {} : { agentProcess }),
      history: [...(task.history ?? []), { at: now, event: `launch:${step.mode}:host`, reason: step.reason }]
    } satisfies Task
  })

/**
 * A host relaunch a crash interrupted with no live pane to show for it: the handler may have started an agent rekindle
 * cannot see (one outside tmux, known only by the pid the handler never got to return). Calling the handler again could
 * start a second agent, so the task is failed with the reason instead: the host checks, then restarts it.
 */
const interruptedRelaunch = (task: Task, step: typeof RelaunchAgent.Type) =>
  Effect.map(Clock.currentTimeMillis, (now): Task => {
    const reason =
      `the host's RelaunchAgent handler for ${task.id} (attempt ${step.attempt}) was interrupted before it returned: ` +
      "rekindle cannot tell whether it started an agent and never calls it twice; check, then restart the task"
    const { agentProcess: _unknown, ...rest } = task
    return {
      ...rest,
      status: "failed",
      attempts: step.attempt,
      endedAt: now,
      exitReason: reason,
      history: [...(task.history ?? []), { at: now, event: "mark:failed", reason }]
    }
  })

/**
 * RelaunchAgent through the host's handler. `ensureGone` stops the recorded agent first. After a
 * crash between the handler and the done line, a live pane in the step's session counts as landed;
 * anything else is an interrupted handler ({@link interruptedRelaunch}): never run a second time.
 */
export const hostRelaunch = <E, R, E2, R2>(
  ctx: Applying,
  step: typeof RelaunchAgent.Type,
  handler: NonNullable<StepHandlers["RelaunchAgent"]>,
  ensureGone: (task: Task) => Effect.Effect<void, E, R>,
  persist: (next: Task) => Effect.Effect<void, E2, R2>
) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const task = findTask(state, step.taskId)
    if (task === undefined) return
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "relaunch",
      data: { session: step.session, mode: step.mode, by: "host" },
      landed: Effect.gen(function* () {
        const pane = yield* livePane(step.session)
        return pane === undefined
          ? yield* interruptedRelaunch(task, step)
          : yield* launchedTask(task, step, { session: step.session })
      }),
      act: Effect.gen(function* () {
        yield* ensureGone(task)
        const launch = yield* Effect.tryPromise({
          try: () => handler(step, task),
          catch: (e) => handlerFailed("RelaunchAgent", task.id, e)
        })
        return yield* launchedTask(task, step, launch)
      }),
      persist: (next) => persist(next)
    })
  })

/** StopSession through the host's handler, then the recorded agent made sure gone. */
export const hostStop = <E, R>(
  ctx: Applying,
  step: typeof StopSession.Type,
  handler: NonNullable<StepHandlers["StopSession"]>,
  ensureGone: (task: Task) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const task = step.taskId === undefined ? undefined : findTask(state, step.taskId)
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "stop-session",
      data: { session: step.session, by: "host" },
      landed: Effect.map(livePane(step.session), (pane) => (pane === undefined ? true : undefined)),
      act: Effect.gen(function* () {
        yield* Effect.tryPromise({
          try: () => handler(step, task),
          catch: (e) => handlerFailed("StopSession", step.taskId, e)
        })
        if (task !== undefined) yield* ensureGone(task)
        return true
      }),
      persist: () => Effect.void
    })
  })

/** SnapshotWip through the host's handler: journaled, and recorded in the task's history. */
export const hostSnapshot = (ctx: Applying, step: SnapshotWip, handler: NonNullable<StepHandlers["SnapshotWip"]>) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const task = findTask(state, step.taskId)
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "snapshot-wip",
      data: { worktree: step.worktree, by: "host" },
      landed: Effect.succeed(undefined),
      act: Effect.tryPromise({
        try: () => handler(step, task),
        catch: (e) => handlerFailed("SnapshotWip", step.taskId, e)
      }),
      persist: (kept) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const reason = kept?.ref === undefined ? "kept by the host" : `kept by the host: ${kept.ref}`
          yield* ctx.updateTask(step.taskId, (t) => ({
            ...t,
            history: [...(t.history ?? []), { at, event: "snapshot", reason }]
          }))
        })
    })
  })

/** RetryMerge through the host's handler: journaled, every lane's outcome appended to the merge ledger. */
export const hostMerge = (ctx: Applying, step: RetryMerge, handler: NonNullable<StepHandlers["RetryMerge"]>) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "merge",
      data: { wave: step.wave, lanes: step.lanes, target: state.baseBranch, by: "host" },
      landed: Effect.succeed(undefined),
      act: Effect.tryPromise({
        try: () => handler(step, state),
        catch: (e) => handlerFailed("RetryMerge", undefined, e)
      }),
      persist: (reported) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const byLane = new Map((reported ?? []).map((r) => [r.lane, r] as const))
          const records = step.lanes.map((lane) => {
            const r = byLane.get(lane)
            return {
              wave: step.wave,
              lane,
              status: r?.status ?? ("succeeded" as const),
              at,
              ...(r?.commit === undefined ? {} : { commit: r.commit }),
              reason: r?.reason ?? "merged by the host"
            }
          })
          yield* ctx.update((s) => ({ ...s, merges: [...s.merges, ...records] }))
        })
    })
  })
