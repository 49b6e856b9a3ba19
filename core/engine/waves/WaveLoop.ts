/**
 * The wave executor: for each wave from a given one, launch its pending tasks (worktree from the base
 * branch, one tmux session each, at most `maxLanes` at a time), monitor them with one observation
 * per poll, merge every lane whose tasks all succeeded, apply the failure and merge-failure
 * policies, and persist after every transition. Tasks a resume reconnected are simply monitored.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { laneMergeable, laneOf, laneOutcomeOf, tasksToStart } from "../../domain/ResumePoint.ts"
import { rekindleMadeWorktree } from "../../domain/Naming.ts"
import { rekindleMerges, type BatchState, type Task } from "../../domain/State.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { type Applying, findTask, makeApplying } from "../apply/PlanContext.ts"
import { crashPoint } from "../apply/CrashPoints.ts"
import { type EngineError, fail } from "../support/Errors.ts"
import { type HeldLease, leaseKeeper } from "../support/SupervisorLease.ts"
import type { LeaseStore } from "../../ports/Lease.ts"
import { emit, ExecutorSettings } from "./WaveSettings.ts"
import { finishBatch } from "./FinishBatch.ts"
import { launchTask } from "./Launch.ts"
import { readSink, sinkEnds, tailPass } from "../support/Logs.ts"
import { dependentsOf, monitorPass } from "../../domain/Monitor.ts"
import { observe } from "../support/Observe.ts"
import { recheckPrompts } from "../support/Prompts.ts"
import { learnConversations } from "../support/Conversations.ts"
import { mergeLane } from "../apply/RepoSteps.ts"
import { ensureAgentGone } from "../apply/TaskSteps.ts"
import { killOwnedSession } from "../apply/Ownership.ts"
import { recoverVanished } from "./RecoverInPlace.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { controlPass } from "./Control.ts"
import { publish } from "../support/Events.ts"
import { taskEvent } from "../../domain/Notification.ts"
import { waitingForInput } from "./Waiting.ts"
import { screensPass } from "./BlockingScreens.ts"

const TERMINAL = new Set(["succeeded", "failed", "skipped", "blocked"])
const DEFAULTS = {
  maxLanes: 4,
  failurePolicy: "stop-wave",
  mergeFailurePolicy: "pause",
  stallTimeoutMs: 900_000,
  relaunchCap: 3
} as const

const optionsOf = (s: BatchState) => ({ ...DEFAULTS, ...s.options })

/** Create the task's worktree from the base branch unless it is already there. */
const ensureWorktree = Effect.fn("Executor.ensureWorktree")(function* (ctx: Applying, task: Task) {
  const state = yield* ctx.current
  const git = yield* Worktrees
  if (task.worktree === undefined) {
    return yield* fail(
      "E_WORKTREE_MISSING",
      `task ${task.id} has no planned worktree`,
      "the state is incomplete: start the batch again"
    )
  }
  const at = (yield* git.pathStates([task.worktree]))[task.worktree]
  // A present worktree is launched into as it is (the host's, merged by the host, may name no branch);
  // making one needs the branch to make it on (core/domain/Workspaces.ts states the rule).
  if (at === "present") return
  if (task.branch === undefined) {
    return yield* fail(
      "E_WORKTREE_MISSING",
      `worktree ${task.worktree} of task ${task.id} is ${at} and the state names no branch to create it on`,
      "restore the worktree (or record the task's branch), then resume"
    )
  }
  const exists = yield* git.branchExists(state.repoRoot, task.branch).pipe(Effect.orElseSucceed(() => false))
  const gitFailed = (e: { readonly message: string }) =>
    fail(
      "E_GIT_FAILED",
      `cannot create the worktree of ${task.id}: ${e.message}`,
      "inspect the repository, then resume"
    )
  // A host's branch (an imported task at a path the host declared) is the host's work: the worktree is made ON it,
  // its commits kept; it is never deleted or refused (it was: `E_GIT_FAILED … run repair`, and repair had nothing
  // to do — the batch could not go on).
  if (exists && !rekindleMadeWorktree(state, task)) {
    if (task.worktreeOwner === undefined) yield* ctx.updateTask(task.id, (t) => ({ ...t, worktreeOwner: "host" }))
    const parentDir = task.worktree.slice(0, task.worktree.lastIndexOf("/"))
    if (parentDir !== "")
      yield* (yield* FileSystem.FileSystem).makeDirectory(parentDir, { recursive: true }).pipe(Effect.ignore)
    yield* git.checkout(state.repoRoot, { path: task.worktree, branch: task.branch }).pipe(Effect.mapError(gitFailed))
    return
  }
  // A supervisor killed during `git worktree add` leaves the branch without its worktree: git removes
  // its half-made checkout on the way out, not the branch it made first. For a task that never ran,
  // a branch with nothing of its own (contained in the base branch, checked out nowhere) is that
  // leftover: it goes, and the worktree is made again. A branch with work on it is never touched.
  const leftover =
    exists &&
    task.attempts === 0 &&
    (yield* git.deleteBranch(state.repoRoot, task.branch, { mergedInto: state.baseBranch }).pipe(
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    ))
  if (exists && !leftover) {
    return yield* fail(
      "E_GIT_FAILED",
      `branch ${task.branch} exists but its worktree ${task.worktree} is ${at}`,
      "run `rekindle repair`, then resume"
    )
  }
  // git would create .rekindle/worktrees/<batch>/ with the umask's 0755: rekindle's directories are 0700.
  const parent = task.worktree.slice(0, task.worktree.lastIndexOf("/"))
  if (parent !== "")
    yield* (yield* FileSystem.FileSystem).makeDirectory(parent, { recursive: true, mode: 0o700 }).pipe(Effect.ignore)
  // Recorded before git makes them, so a crash in between never leaves a worktree of rekindle's that its
  // state calls nobody's. A worktree at a path the host declared stays the host's even when rekindle
  // has to make it again: the host named it and may look for it (docs/embedding.md#what-rekindle-changes).
  if (task.worktreeOwner === undefined) {
    const worktreeOwner = rekindleMadeWorktree(state, task) ? "rekindle" : "host"
    yield* ctx.updateTask(task.id, (t) => ({ ...t, worktreeOwner }))
  }
  yield* git
    .add(state.repoRoot, { path: task.worktree, branch: task.branch, base: state.baseBranch })
    .pipe(Effect.mapError(gitFailed))
})

/** Launch one pending task. */
const start = (ctx: Applying, taskId: string) =>
  Effect.gen(function* () {
    yield* ensureWorktree(ctx, findTask(yield* ctx.current, taskId)!)
    const state = yield* ctx.current
    const task = findTask(state, taskId)!
    yield* crashPoint("run:before-launch")
    const { task: launched } = yield* launchTask(state, task, {
      mode: "first",
      attempt: task.attempts + 1,
      reason: "wave start"
    })
    yield* ctx.updateTask(taskId, () => launched)
    yield* emit({ _tag: "TaskLaunched", taskId, attempt: launched.attempts, session: launched.session ?? "" })
    yield* showStatus(ctx, taskId)
  })

/** Show rekindle's view of the task on its session's status line (best effort, never fatal). */
const showStatus = (ctx: Applying, taskId: string) =>
  Effect.gen(function* () {
    const s = yield* ctx.current
    const t = findTask(s, taskId)
    if (t?.session === undefined) return
    const wave = s.waves.findIndex((ids) => ids.includes(taskId))
    const at = new Date(yield* Clock.currentTimeMillis).toISOString().slice(11, 16)
    const text = `rekindle ${s.batchId} | wave ${wave + 1}/${s.waves.length} | ${taskId}: ${t.status} (attempt ${t.attempts}) | ${at}Z`
    yield* (yield* Tmux).setStatus({ name: t.session }, text).pipe(Effect.ignore)
  })

/** Record a status change. */
const transition = (ctx: Applying, taskId: string, status: Task["status"], reason: string, exitStatus?: number) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const terminal = TERMINAL.has(status)
    yield* ctx.updateTask(taskId, ({ waiting, ...t }) => ({
      ...t,
      status,
      // A finished task waits for nothing: a screen it stopped at went with its agent.
      ...(terminal || waiting === undefined ? {} : { waiting }),
      ...(terminal ? { endedAt: now, exitReason: reason } : {}),
      ...(exitStatus === undefined ? {} : { exitStatus }),
      history: [...(t.history ?? []), { at: now, event: `status:${status}`, reason }]
    }))
    yield* emit({ _tag: "TaskChanged", taskId, status, reason })
    yield* showStatus(ctx, taskId)
    const s = yield* ctx.current
    yield* publish(s, taskEvent(s.batchId, taskId, status, now, reason, exitStatus))
  })

/** Stop every running agent of `ids` (stop-all). */
const stopRunning = (ctx: Applying, ids: ReadonlyArray<string>, reason: string) =>
  Effect.gen(function* () {
    const { graceMs } = yield* ExecutorSettings
    for (const id of ids) {
      const task = findTask(yield* ctx.current, id)
      if (task === undefined || (task.status !== "running" && task.status !== "stalled")) continue
      if (task.session !== undefined) yield* killOwnedSession(yield* ctx.current, task.session).pipe(Effect.ignore)
      yield* ensureAgentGone(task, graceMs)
      yield* transition(ctx, id, "failed", reason)
    }
  })

/** Recover tasks whose session vanished (core/engine/waves/RecoverInPlace.ts) and report what became of them. */
const relaunchVanished = (ctx: Applying, ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { graceMs } = yield* ExecutorSettings
    const steps = yield* recoverVanished(ctx, ids, graceMs)
    const s = yield* ctx.current
    for (const step of steps) {
      if (step._tag === "RelaunchAgent")
        yield* emit({ _tag: "TaskLaunched", taskId: step.taskId, attempt: step.attempt, session: step.session })
      if (step._tag === "MarkTask") {
        yield* emit({ _tag: "TaskChanged", taskId: step.taskId, status: step.status, reason: step.reason })
        // The same notification as any other end of a task (a relaunch cap reached, no usable worktree).
        const now = yield* Clock.currentTimeMillis
        yield* publish(s, taskEvent(s.batchId, step.taskId, step.status, now, step.reason, step.exitStatus))
      }
    }
    for (const id of ids) if (findTask(s, id)?.status === "running") yield* showStatus(ctx, id)
  })

/** How long a dead pane without an exit status waits for tmux to report one before the task fails without it. */
const STATUS_WAIT_MS = 2_000

/** How a wave ended: the batch goes on, stops here (a policy or a failed merge), or was aborted by request. */
type WaveEnd = "continue" | "stop" | "aborted"

/** Run one wave to its end. */
const runWave = Effect.fn("Executor.runWave")(function* (
  ctx: Applying,
  wave: number,
  sinkEnd: Map<string, number>,
  held: Set<string>,
  keepLease: Effect.Effect<void, EngineError, LeaseStore>
) {
  const { pollMs } = yield* ExecutorSettings
  const initial = yield* ctx.current
  const ids = initial.waves[wave] ?? []
  const opts = optionsOf(initial)
  yield* ctx.update((s) => ({ ...s, phase: "executing" }))
  yield* emit({ _tag: "WaveStarted", wave, waves: initial.waves.length, tasks: ids })
  for (const id of ids) if (findTask(initial, id)?.status === "running") yield* showStatus(ctx, id)
  // A task whose dependency did not succeed cannot start: blocked (or skipped under skip-dependents).
  for (const id of ids) {
    const s = yield* ctx.current
    const t = findTask(s, id)
    if (t === undefined || t.status !== "pending") continue
    const bad = t.dependsOn.filter((d) => findTask(s, d)?.status !== "succeeded")
    if (bad.length > 0)
      yield* transition(
        ctx,
        id,
        opts.failurePolicy === "skip-dependents" ? "skipped" : "blocked",
        `dependency ${bad.join(", ")} did not succeed`
      )
  }
  // Dead panes seen without an exit status: when first seen (observation time), per task.
  const awaitingStatus = new Map<string, number>()
  // Tasks already announced as waiting for input, with the line they asked with (announced once per question).
  const asked = new Map<string, string>()
  // When each task's pane was last captured to judge its screen (core/engine/waves/BlockingScreens.ts).
  const captured = new Map<string, number>()
  let announced = false
  for (;;) {
    // Requests of `abort`, `restart`, `pause`, `continue` and `send` (core/engine/waves/Control.ts).
    const control = yield* controlPass(ctx, wave)
    if (control.aborted) return "aborted" as WaveEnd
    const s = yield* ctx.current
    const tasks = ids.flatMap((id) => findTask(s, id) ?? [])
    const running = tasks.filter((t) => t.status === "running" || t.status === "stalled")
    const failed = tasks.filter((t) => t.status === "failed")
    if (failed.length > 0 && opts.failurePolicy === "stop-all") {
      yield* stopRunning(
        ctx,
        running.map((t) => t.id),
        "stopped: another task failed (failure policy stop-all)"
      )
      return "stop" as WaveEnd
    }
    // Lane-mates (one worktree) start one after another: never two agents in one checkout.
    for (const t of control.paused ? [] : tasksToStart(tasks, Math.max(0, opts.maxLanes - running.length)))
      yield* start(ctx, t.id)
    if (!announced) {
      announced = true
      const after = yield* ctx.current
      yield* emit({
        _tag: "WaveRunning",
        wave,
        running: ids.filter((id) => {
          const st = findTask(after, id)?.status
          return st === "running" || st === "stalled"
        })
      })
    }
    if (tasks.every((t) => TERMINAL.has(t.status))) break
    yield* Effect.sleep(pollMs)
    yield* keepLease
    yield* tailPass(ctx, ids, sinkEnd)
    const now = yield* ctx.current
    const signals = yield* observe(now)
    // Unconfirmed prompts (sent by a resume, say) are confirmed or reported while supervising.
    if (now.prompts.some((p) => p.status === "intent" || p.status === "sent")) yield* recheckPrompts(ctx)
    yield* learnConversations(ctx)
    const vanished: Array<string> = []
    for (const tr of monitorPass(now, ids, signals, opts.stallTimeoutMs)) {
      if (tr.recover === true) {
        // Held by resume for its relaunch back-off: what resume already decided to re-execute, not a
        // new event. Wait out the back-off, then recover it in place as promised.
        if (held.has(tr.taskId)) {
          if ((findTask(now, tr.taskId)?.nextAttemptAt ?? 0) > signals.observedAt) continue
          held.delete(tr.taskId)
        }
        // A dead pane whose exit status (or signal) tmux has not reported yet: wait for it, at least
        // one more poll and up to STATUS_WAIT_MS (a loaded machine can take more than one poll to
        // reap the agent) — an agent that exited on its own failed, one killed from outside did not.
        if (tr.statusPending === true) {
          const since = awaitingStatus.get(tr.taskId)
          if (since === undefined) awaitingStatus.set(tr.taskId, signals.observedAt)
          if (since === undefined || signals.observedAt - since < STATUS_WAIT_MS) continue
        }
        // Killed from outside, not the agent's doing: recovered in place below, as resume would.
        vanished.push(tr.taskId)
        continue
      }
      if (tr.stopSession !== undefined) {
        yield* killOwnedSession(now, tr.stopSession).pipe(Effect.ignore)
        // A hung agent may ignore the session's SIGHUP: make sure it is gone (TERM, grace, KILL)
        // before it is recorded failed, or it would live on next to a later relaunch.
        const given = findTask(now, tr.taskId)
        if (given !== undefined) yield* ensureAgentGone(given, (yield* ExecutorSettings).graceMs)
      }
      yield* transition(ctx, tr.taskId, tr.status, tr.reason, tr.exitStatus)
    }
    if (vanished.length > 0) yield* relaunchVanished(ctx, vanished)
    yield* waitingForInput(ctx, ids, asked, signals)
    yield* screensPass(ctx, ids, signals, captured)
  }
  yield* tailPass(ctx, ids, sinkEnd) // the last words of agents that just finished
  if (opts.failurePolicy === "skip-dependents") {
    const s = yield* ctx.current
    const failedIds = ids.filter((id) => findTask(s, id)?.status === "failed")
    for (const d of dependentsOf(s, failedIds)) {
      if (findTask(s, d)?.status === "pending")
        yield* transition(ctx, d, "skipped", "a dependency failed (failure policy skip-dependents)")
    }
  }
  // Merge every lane whose tasks succeeded or were skipped (one succeeded at least); a lane with a
  // failed task is not merged (the wave is partial).
  const s = yield* ctx.current
  const lanes = new Map<string, Array<Task>>()
  for (const id of ids) {
    const t = findTask(s, id)
    if (t !== undefined) lanes.set(laneOf(t), [...(lanes.get(laneOf(t)) ?? []), t])
  }
  for (const [lane, members] of [...lanes.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!rekindleMerges(s)) break // the host merges, or nothing is merged (the batch's merge policy)
    if (!laneMergeable(members.map((t) => laneOutcomeOf(t.status)))) continue
    yield* ctx.update((x) => ({ ...x, phase: "merging" }))
    const status = yield* mergeLane(ctx, wave, lane, `wave ${wave + 1} finished`)
    const last = (yield* ctx.current).merges.at(-1)
    yield* emit({ _tag: "Merged", wave, lane, status, ...(last?.reason === undefined ? {} : { reason: last.reason }) })
    if (status !== "succeeded") {
      yield* ctx.update((x) => ({ ...x, phase: opts.mergeFailurePolicy === "abort" ? "failed" : "paused" }))
      return "stop" as WaveEnd
    }
  }
  const after = yield* ctx.current
  const anyFailed = ids.some((id) => findTask(after, id)?.status === "failed")
  return (anyFailed && opts.failurePolicy !== "skip-dependents" ? "stop" : "continue") as WaveEnd
})

/** Options of {@link continueFrom}. */
interface ContinueOptions {
  /** Tasks the resume plan held for their relaunch back-off: relaunched once it passes, not failed. */
  readonly heldForBackoff?: ReadonlyArray<string>
  /** The supervisor lease this process holds: renewed while it watches (absent: an embedder's executor holds none). */
  readonly lease?: HeldLease
}

/** Run waves `fromWave…` and finish the batch (completed, or paused with its worktrees kept). */
export const continueFrom = Effect.fn("Executor.continueFrom")(function* (
  state: BatchState,
  fromWave: number,
  options: ContinueOptions = {}
) {
  const ctx = yield* makeApplying(state)
  const sinkEnd = sinkEnds(yield* readSink(ctx.paths))
  const held = new Set(options.heldForBackoff ?? [])
  const keepLease = leaseKeeper(options.lease)
  for (let w = fromWave; w < state.waves.length; w++) {
    const end = yield* runWave(ctx, w, sinkEnd, held, keepLease)
    // An abort request stopped the batch: it stays `stopped` with its worktrees, as `rekindle abort` leaves it.
    // The abort itself announced the end (stopBatch), as it does when no supervisor runs.
    if (end === "aborted") return yield* ctx.current
    if (end === "stop") break
  }
  return yield* ended(yield* finishBatch(ctx))
})

/** Announce the end of the wave loop (completed, paused, failed or stopped). */
const ended = (state: BatchState) =>
  Effect.as(
    publish(state, {
      kind: "batch-ended",
      at: state.updatedAt,
      batchId: state.batchId,
      phase: state.phase,
      reason: `batch ${state.batchId} ${state.phase}`
    }),
    state
  )
