/**
 * The end of a batch run. Every task succeeded and every lane merged: `completed`, merged worktrees
 * and branches removed, and the sessions of those tasks closed (state kept as history) — only those
 * rekindle made itself (`rekindleMadeWorktree`): an imported host's worktrees, branches and sessions
 * are never touched. Otherwise `paused` (or `failed` after a merge abort)
 * with every worktree kept: work that is not merged is never reset or cleaned, only reported.
 *
 * Whichever process completes the batch runs it — the wave executor, or `resume` when the last wave
 * needed only a merge retry — and it is re-runnable: `completed` is saved only after the cleanup, so a
 * crash inside it leaves the batch for `resume` to finish, and `repair` finishes the cleanup of a
 * `completed` batch whose worktrees are still there (a state written by an older version).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { ownershipTag, parseOwnershipTag, rekindleMadeWorktree, sessionNameFor } from "../../domain/Naming.ts"
import { laneOf, latestMerge } from "../../domain/ResumePoint.ts"
import { rekindleMerges, type BatchState } from "../../domain/State.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import type { Applying } from "../apply/PlanContext.ts"
import { crashPoint } from "../apply/CrashPoints.ts"
import { ensureAgentGone } from "../apply/TaskSteps.ts"
import { killOwnedSession } from "../apply/Ownership.ts"
import { emit, ExecutorSettings } from "./WaveSettings.ts"
import { catchUpLogs } from "../support/Logs.ts"

/** Whether every wave's every lane has a succeeded latest merge record. */
const allMerged = (s: BatchState): boolean =>
  s.waves.every((ids, w) =>
    ids.every((id) => {
      const t = s.tasks.find((x) => x.id === id)
      return t === undefined || latestMerge(s.merges, w, laneOf(t))?.status === "succeeded"
    })
  )

/** Finish the batch; returns the final saved state. */
export const finishBatch = Effect.fn("Finish.finishBatch")(function* (ctx: Applying) {
  const s = yield* ctx.current
  const git = yield* Worktrees
  const succeeded = s.tasks.every((t) => t.status === "succeeded")
  // Merges are the host's (or nobody's): the batch is done, and its worktrees and branches are the host's too.
  if (succeeded && !rekindleMerges(s)) {
    yield* catchUpLogs(ctx)
    const saved = yield* ctx.update((x) => ({ ...x, phase: "completed" }))
    yield* emit({ _tag: "BatchEnded", phase: "completed", reason: "completed; merging is the host's, nothing removed" })
    return saved
  }
  const clean = succeeded && allMerged(s)
  if (!clean) {
    yield* catchUpLogs(ctx)
    const phase = s.phase === "failed" ? "failed" : "paused"
    const kept = s.tasks.filter((t) => t.status !== "succeeded" && t.worktree !== undefined).map((t) => t.id)
    const saved = yield* ctx.update((x) => ({ ...x, phase }))
    yield* emit({
      _tag: "BatchEnded",
      phase,
      reason: kept.length > 0 ? `worktrees kept for: ${kept.join(", ")}` : "stopped before the last wave"
    })
    return saved
  }
  const now = yield* Clock.currentTimeMillis
  const kept: Array<string> = []
  // A worktree rekindle did not make (an imported orchestrator's lane, its branch, its session) is the
  // host's: left exactly as it is, whatever its task's outcome.
  const hosts = s.tasks.filter((t) => t.worktree !== undefined && !rekindleMadeWorktree(s, t)).map((t) => t.id)
  for (const t of s.tasks) {
    if (t.worktree === undefined || t.worktreeArchived === true || hosts.includes(t.id)) continue
    // Re-run after a crash inside the cleanup: a worktree already removed is done, not "kept".
    yield* crashPoint("finish:before-remove")
    const removed = yield* git.remove(s.repoRoot, t.worktree).pipe(
      Effect.as(true),
      Effect.catch(() =>
        git.pathStates([t.worktree!]).pipe(
          Effect.map((at) => at[t.worktree!] === "missing"),
          Effect.orElseSucceed(() => false)
        )
      )
    )
    if (!removed) {
      kept.push(t.id)
      continue
    }
    yield* crashPoint("finish:before-delete-branch")
    if (t.branch !== undefined)
      yield* git.deleteBranch(s.repoRoot, t.branch, { mergedInto: s.baseBranch }).pipe(Effect.ignore)
  }
  yield* crashPoint("finish:before-close-sessions")
  const closed = s.tasks.filter((t) => t.worktree !== undefined && !kept.includes(t.id)).map((t) => t.id)
  yield* closeSessions(s, closed, hosts)
  yield* stopAgents(s, closed, hosts)
  // What an agent printed after its done marker, up to its session's close, reaches the sink too.
  yield* catchUpLogs(ctx)
  yield* crashPoint("finish:before-completed")
  const saved = yield* ctx.update((x) => ({
    ...x,
    phase: "completed",
    tasks: x.tasks.map((t) =>
      kept.includes(t.id) || hosts.includes(t.id)
        ? t
        : {
            ...t,
            worktreeArchived: true,
            history: [...(t.history ?? []), { at: now, event: "cleanup", reason: "merged: worktree removed" }]
          }
    )
  }))
  yield* emit({
    _tag: "BatchEnded",
    phase: "completed",
    reason: [
      kept.length > 0
        ? `completed; worktrees kept (local changes): ${kept.join(", ")}`
        : "completed; merged worktrees removed",
      ...(hosts.length > 0 ? [`the host's worktrees left alone: ${hosts.join(", ")}`] : [])
    ].join("; ")
  })
  return saved
})

/**
 * Close the sessions of merged tasks: their worktree is gone, so a lingering (dead, remain-on-exit)
 * pane only clutters `tmux ls`. Only panes carrying this batch's ownership tag for one of `ids` are
 * touched; a session tmux cannot reach now is left alone (it is harmless). Of a host's task only
 * the session rekindle made under its own name goes: one under the host's name is the host's to close.
 */
const closeSessions = (s: BatchState, ids: ReadonlyArray<string>, hosts: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const tmux = yield* Tmux
    const snap = yield* tmux.snapshot
    if (snap.state !== "up") return
    const tags = new Set(ids.map((id) => ownershipTag(s.batchId, id)))
    const names = new Set(
      snap.panes
        .filter((p) => {
          const owner = p.taskTag === undefined ? undefined : parseOwnershipTag(p.taskTag)
          if (owner === undefined || owner.batchId !== s.batchId || !tags.has(p.taskTag!)) return false
          return !hosts.includes(owner.taskId) || p.sessionName === sessionNameFor(s.batchId, owner.taskId)
        })
        .map((p) => p.sessionName)
    )
    // A pane somebody opened beside the agent in its session keeps that session (core/engine/apply/Ownership.ts).
    for (const name of names) yield* killOwnedSession(s, name).pipe(Effect.ignore)
  })

/**
 * Stop the agents of merged tasks that outlived their session: one deaf to its session's SIGHUP (Gemini CLI's launcher
 * ignores SIGHUP, SIGINT and SIGTERM, measured) would otherwise live on in a removed worktree. Only the process rekindle
 * recorded (pid + start time; TERM, grace, KILL); a host's agent is the host's; one that will not die is left.
 */
const stopAgents = (s: BatchState, ids: ReadonlyArray<string>, hosts: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { graceMs } = yield* ExecutorSettings
    // Side by side: each deaf agent costs a grace period before its KILL.
    yield* Effect.forEach(
      s.tasks.filter((t) => ids.includes(t.id) && !hosts.includes(t.id)),
      (t) => ensureAgentGone(t, graceMs).pipe(Effect.ignore),
      { concurrency: "unbounded", discard: true }
    )
  })
