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
import { stepKey, type RelaunchAgent, type StopSession } from "../../domain/Plan.ts"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import type { Task } from "../../domain/State.ts"
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

/** The steps a host may carry out itself. Each gets the step and the task as rekindle has it. */
export interface StepHandlers {
  /** Stop the task's stale session. rekindle then makes sure the agent it recorded is gone. */
  readonly StopSession?: (step: typeof StopSession.Type, task: Task | undefined) => Promise<void>
  /** Start the task's agent again (the recorded agent is already gone). */
  readonly RelaunchAgent?: (step: typeof RelaunchAgent.Type, task: Task) => Promise<HostLaunch | undefined>
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const handlerFailed = (tag: string, taskId: string | undefined, e: unknown) =>
  fail(
    tag === "RelaunchAgent" ? "E_AGENT" : "E_TMUX_UNAVAILABLE",
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
 * RelaunchAgent through the host's handler. `ensureGone` stops the recorded agent first. After a
 * crash between the handler and the done line, a live pane in the step's session counts as landed.
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
      landed: Effect.flatMap(livePane(step.session), (pane) =>
        pane === undefined ? Effect.succeed(undefined) : launchedTask(task, step, { session: step.session })
      ),
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
