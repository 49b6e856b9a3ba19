/**
 * abort: stop a batch's agents and mark it `stopped`, keeping every worktree, branch and the state
 * (so `resume --force` can continue it). Graceful: write each running task's wrap-up marker and give
 * the agents a grace period to finish before their sessions are stopped; hard: stop at once.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { evidenceFor } from "../../domain/Evidence.ts"
import type { Signals } from "../../domain/Signals.ts"
import { type Applying, makeApplying } from "../apply/PlanContext.ts"
import { fail } from "../support/Errors.ts"
import { record } from "../apply/Journaled.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { observe } from "../support/Observe.ts"
import { killOwnedSession } from "../apply/Ownership.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"
import { ensureAgentGone } from "../apply/TaskSteps.ts"
import { publish } from "../support/Events.ts"

/** Options of {@link abort}. */
export interface AbortOptions {
  readonly hard: boolean
  /** How long a graceful abort waits for agents to wrap up (ms). */
  readonly graceMs?: number
}

/** What abort stopped. */
export interface AbortReport {
  readonly batchId: string
  readonly stopped: ReadonlyArray<string>
  readonly hard: boolean
}

const liveTasks = (state: Parameters<typeof evidenceFor>[0], signals: Signals) =>
  state.tasks.filter((t) => {
    const e = evidenceFor(state, t, signals)
    return e.session === "alive" || e.session === "bare-shell" || e.session === "dead-pane"
  })

/**
 * Stop the batch's agents within an apply run that already holds the lease (the abort command, or the
 * live supervisor carrying out an abort request): wrap-up markers and a grace period unless `hard`,
 * then every owned session stopped, the phase `stopped`, and an `abort` journal event.
 */
export const stopBatch = Effect.fn("Abort.stopBatch")(function* (ctx: Applying, options: AbortOptions) {
  const state = yield* ctx.current
  const paths = ctx.paths
  const fs = yield* FileSystem.FileSystem
  const targets = liveTasks(state, yield* observe(state))
  if (!options.hard && targets.length > 0) {
    const ioFailed = (e: { readonly message: string }) =>
      fail(
        "E_IO",
        `cannot write the wrap-up request: ${e.message}`,
        "check the .rekindle directory, or abort with --hard"
      )
    yield* fs.makeDirectory(paths.markers, { recursive: true, mode: 0o700 }).pipe(Effect.mapError(ioFailed))
    yield* Effect.forEach(
      targets,
      (t) =>
        fs
          .writeFileString(paths.wrapUp(t.id), "rekindle: wrap up and stop\n", { mode: 0o600 })
          .pipe(Effect.mapError(ioFailed)),
      { discard: true }
    )
    const deadline = (yield* Clock.currentTimeMillis) + (options.graceMs ?? 30_000)
    while ((yield* Clock.currentTimeMillis) < deadline) {
      const snap = yield* observe(yield* ctx.current)
      if (liveTasks(state, snap).every((t) => evidenceFor(state, t, snap).agent !== "alive")) break
      yield* Effect.sleep(500)
    }
  }
  const now = yield* Clock.currentTimeMillis
  const signals = yield* observe(state)
  const stopped: Array<string> = []
  for (const t of liveTasks(state, signals)) {
    const e = evidenceFor(state, t, signals)
    if (e.sessionName !== undefined) {
      yield* killOwnedSession(state, e.sessionName).pipe(
        Effect.catchIf(
          (x) => x.reason === "NotFound",
          () => Effect.void
        ),
        Effect.mapError((x) =>
          fail("E_TMUX_UNAVAILABLE", `cannot stop ${e.sessionName}: ${x.message}`, "check tmux with `rekindle doctor`")
        )
      )
    }
    yield* ensureAgentGone(t, options.graceMs ?? 5_000)
    stopped.push(t.id)
  }
  yield* ctx.update((s) => ({
    ...s,
    phase: "stopped",
    tasks: s.tasks.map((t) =>
      stopped.includes(t.id)
        ? {
            ...t,
            history: [...(t.history ?? []), { at: now, event: "abort", reason: options.hard ? "hard abort" : "abort" }]
          }
        : t
    )
  }))
  yield* record(paths.journal, {
    key: `${state.batchId}:abort`,
    phase: "info",
    kind: "abort",
    data: { stopped, hard: options.hard }
  })
  // The batch's life ends here whoever stops it (a live supervisor, `abort` with none, or a `resume` finishing an abort
  // request a killed supervisor had accepted): the one place that announces it, so every path tells watchers once.
  const ended = yield* ctx.current
  yield* publish(ended, {
    kind: "batch-ended",
    at: ended.updatedAt,
    batchId: ended.batchId,
    phase: ended.phase,
    reason: `batch ${ended.batchId} ${ended.phase}`
  })
  const report: AbortReport = { batchId: state.batchId, stopped, hard: options.hard }
  return report
})

/** Abort a batch (taking its lease: no live supervisor may hold it). */
export const abort = Effect.fn("Abort.abort")(function* (ref: BatchRef, options: AbortOptions) {
  const state = yield* loadState(ref)
  const paths = batchPaths(state.repoRoot, state.batchId)
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* withLease(paths.lease)
      return yield* stopBatch(yield* makeApplying(state), options)
    })
  )
})
