/**
 * Carrying out the task steps of a plan: stop a stale session (and make sure its agent is gone),
 * snapshot WIP, relaunch, reattach, mark. Side effects go through the journal protocol.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { ownershipTag } from "../../domain/Naming.ts"
import { stepKey, type PlanStep } from "../../domain/Plan.ts"
import type { Task, TaskStatus } from "../../domain/State.ts"
import type { TmuxPane } from "../../domain/Signals.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { findTask, type Applying } from "./PlanContext.ts"
import { killOwnedSession, ownedPanesIn } from "./Ownership.ts"
import { crashPoint } from "./CrashPoints.ts"
import { fail } from "../support/Errors.ts"
import { journaled } from "./Journaled.ts"
import { launchTask, withContinuationSent } from "../waves/Launch.ts"
import { hostRelaunch, hostSnapshot, hostStop, type StepHandlers } from "./Handlers.ts"

type Step<T extends PlanStep["_tag"]> = Extract<PlanStep, { readonly _tag: T }>

/** Back-off before the next relaunch of a task that was just launched for the `attempt`-th time. */
const backoffMs = (attempt: number): number => Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 300_000)

const taskPanes = (batchId: string, taskId: string) =>
  Effect.gen(function* () {
    const s = yield* (yield* Tmux).snapshot
    const panes: ReadonlyArray<TmuxPane> =
      s.state === "up" ? s.panes.filter((p) => p.taskTag === ownershipTag(batchId, taskId)) : []
    return panes
  })

/**
 * Make sure the agent process rekindle recorded for `task` is gone: TERM, a grace period, KILL.
 * Fails rather than let a relaunch put a second agent next to one that would not die.
 */
export const ensureAgentGone = Effect.fn("TaskSteps.ensureAgentGone")(function* (task: Task, graceMs: number) {
  const id = task.agentProcess
  if (id === undefined) return
  const procs = yield* ProcessTable
  const alive = procs.isAlive(id).pipe(Effect.catch(() => Effect.succeed(true)))
  const waitGone = (ms: number) =>
    Effect.gen(function* () {
      for (let waited = 0; waited < ms; waited += 50) {
        if (!(yield* alive)) return true
        yield* Effect.sleep(50)
      }
      return !(yield* alive)
    })
  if (!(yield* alive)) return
  for (const sig of ["SIGTERM", "SIGKILL"] as const) {
    yield* procs.signal(id, sig).pipe(Effect.catch(() => Effect.succeed(false)))
    if (yield* waitGone(sig === "SIGTERM" ? graceMs : 2_000)) return
  }
  return yield* fail(
    "E_AGENT",
    `agent process ${id.pid} of task ${task.id} would not stop`,
    "stop it by hand; rekindle never starts a second agent for a task"
  )
})

/**
 * StopSession: kill the stale session and make sure its agent died with it. The agent stopped is the
 * one recorded when the step runs (before any relaunch); once the journal says the stop is done, a
 * re-applied plan does nothing here — in particular it never touches a relaunched agent.
 */
export const stopSession = (ctx: Applying, step: Step<"StopSession">, graceMs: number, handlers: StepHandlers = {}) =>
  Effect.gen(function* () {
    if (handlers.StopSession !== undefined)
      return yield* hostStop(ctx, step, handlers.StopSession, (t) => ensureAgentGone(t, graceMs))
    const state = yield* ctx.current
    const tmux = yield* Tmux
    const procs = yield* ProcessTable
    const task = step.taskId === undefined ? undefined : findTask(state, step.taskId)
    const stale = task?.agentProcess
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "stop-session",
      data: { session: step.session, ...(stale === undefined ? {} : { agent: stale }) },
      landed: Effect.gen(function* () {
        const snap = yield* tmux.snapshot
        // Gone when none of the panes a stop would take is left (a mixed session lives on with the others').
        const sessionGone =
          snap.state === "up" ? ownedPanesIn(state, snap.panes, step.session).length === 0 : snap.state === "no-server"
        const agentGone = stale === undefined || !(yield* procs.isAlive(stale).pipe(Effect.orElseSucceed(() => true)))
        return sessionGone && agentGone ? true : undefined
      }),
      act: Effect.gen(function* () {
        yield* crashPoint("stop:before-kill")
        // Only a session rekindle owns is killed: a user's session of that name is left alone.
        yield* killOwnedSession(state, step.session).pipe(
          Effect.catchIf(
            (e) => e.reason === "NotFound" || e.reason === "NoServer",
            () => Effect.void
          ),
          Effect.mapError((e) =>
            fail(
              "E_TMUX_UNAVAILABLE",
              `cannot stop session ${step.session}: ${e.message}`,
              "check tmux with `rekindle doctor`"
            )
          )
        )
        if (task !== undefined && stale !== undefined) yield* ensureAgentGone({ ...task, agentProcess: stale }, graceMs)
        return true
      }),
      persist: () => Effect.void
    })
  })

/** SnapshotWip: commit the whole worktree to a ref; a re-run after a crash does not snapshot twice. */
export const snapshotWip = (ctx: Applying, step: Step<"SnapshotWip">, handlers: StepHandlers = {}) =>
  Effect.gen(function* () {
    if (handlers.SnapshotWip !== undefined) return yield* hostSnapshot(ctx, step, handlers.SnapshotWip)
    const state = yield* ctx.current
    const git = yield* Worktrees
    const prefix = `refs/rekindle/wip/${step.taskId}/`
    const before = yield* git.listRefs(state.repoRoot, prefix).pipe(
      Effect.map((r) => r.length),
      Effect.orElseSucceed(() => 0)
    )
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "snapshot-wip",
      data: { refsBefore: before },
      landed: Effect.succeed(undefined),
      act: git
        .snapshotWip(step.worktree, { task: step.taskId, label: `attempt ${step.attempt}` })
        .pipe(
          Effect.mapError((e) =>
            fail(
              "E_GIT_FAILED",
              `cannot snapshot ${step.worktree}: ${e.message}`,
              "nothing was relaunched; fix the worktree and resume"
            )
          )
        ),
      persist: (snap) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.asVoid(ctx.updateTask(step.taskId, (t) => withHistory(t, "snapshot", snap.ref, now)))
        )
    })
  })

const withHistory = (t: Task, event: string, reason: string, at: number): Task => ({
  ...t,
  history: [...(t.history ?? []), { at, event, reason }]
})

/**
 * RelaunchAgent: start the agent again — unless a crash left the launch already done. The agent
 * recorded for the task must be gone first (TERM, grace, KILL; pid + start time, so never a reused
 * pid): one that outlived its session (deaf to SIGHUP when the tmux server died) would otherwise run
 * next to the new one — a plan from `restart` stops only the sessions it observes.
 */
export const relaunch = (ctx: Applying, step: Step<"RelaunchAgent">, graceMs: number, handlers: StepHandlers = {}) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const task = findTask(state, step.taskId)
    if (task === undefined) return
    // `continued`: rekindle's own exact-conversation relaunch carried one continuation turn in its argv; the ledger
    // records it as sent (the journaled launch ran at most once), and the recheck confirms it from the pane log.
    const persistLaunch = (next: Task, continued = false) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* ctx.update((s) => ({
          ...s,
          tasks: s.tasks.map((t) => (t.id === task.id ? { ...next, nextAttemptAt: now + backoffMs(step.attempt) } : t)),
          prompts: continued ? withContinuationSent(s.prompts, task.id, step.attempt, now) : s.prompts
        }))
      })
    if (handlers.RelaunchAgent !== undefined)
      return yield* hostRelaunch(ctx, step, handlers.RelaunchAgent, (t) => ensureAgentGone(t, graceMs), persistLaunch)
    const procs = yield* ProcessTable
    yield* journaled({
      journal: ctx.paths.journal,
      key: stepKey(state.batchId, step),
      kind: "relaunch",
      data: { session: step.session, mode: step.mode },
      landed: Effect.gen(function* () {
        const panes = yield* taskPanes(state.batchId, task.id)
        const live = panes.find((p) => !p.dead)
        if (live === undefined) {
          if (panes.length > 0) yield* killOwnedSession(state, panes[0]!.sessionName).pipe(Effect.ignore)
          return undefined
        }
        const info = yield* procs.snapshot.pipe(
          Effect.map((ps) => ps.find((p) => p.pid === live.panePid)),
          Effect.orElseSucceed(() => undefined)
        )
        const self = yield* procs.self.pipe(Effect.option)
        const now = yield* Clock.currentTimeMillis
        return {
          ...task,
          status: "running" as const,
          attempts: step.attempt,
          session: live.sessionName,
          startedAt: task.startedAt ?? now,
          ...(info === undefined || self._tag === "None"
            ? {}
            : { agentProcess: { pid: live.panePid, startTime: info.startTime, host: self.value.host } })
        } satisfies Task
      }),
      act: Effect.gen(function* () {
        yield* crashPoint("relaunch:before-launch")
        yield* ensureAgentGone(task, graceMs)
        const launched = yield* launchTask(state, task, {
          mode: step.mode,
          attempt: step.attempt,
          reason: step.reason
        })
        yield* crashPoint("relaunch:after-launch")
        return launched.task
      }),
      persist: (next) => persistLaunch(next, step.mode === "resume" && task.conversationId !== undefined)
    })
  })

/** Reattach: make sure the pane log is piped (never toggled) and the task is recorded as running. */
export const reattach = (ctx: Applying, step: Step<"Reattach">) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    const tmux = yield* Tmux
    const panes = yield* taskPanes(state.batchId, step.taskId)
    const live = panes.find((p) => !p.dead)
    if (live !== undefined) {
      yield* tmux.ensurePipe({ paneId: live.paneId }, ctx.paths.log(step.taskId)).pipe(Effect.ignore)
    }
    const task = findTask(state, step.taskId)
    if (task !== undefined && task.status !== "running") {
      yield* ctx.updateTask(step.taskId, (t) => ({ ...t, status: "running" }))
    }
  })

/** MarkTask: record a status (terminal ones with their end time and reason). */
export const markTask = (ctx: Applying, step: Step<"MarkTask">) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const terminal: ReadonlyArray<TaskStatus> = ["succeeded", "failed", "skipped"]
    yield* ctx.updateTask(step.taskId, (t) => ({
      ...withHistory(t, `mark:${step.status}`, step.reason, now),
      status: step.status,
      ...(terminal.includes(step.status) ? { endedAt: now, exitReason: step.reason } : {}),
      ...(step.exitStatus === undefined ? {} : { exitStatus: step.exitStatus })
    }))
  })
