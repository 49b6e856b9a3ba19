/**
 * resume: take the supervisor lease, re-check the plan under it (another process may have acted
 * between `plan` and the lock), complete what a crash interrupted, then apply the plan and hand the
 * batch to the wave executor. `restart <task>` replaces the plan by that task's restart plan.
 * Exactly one journal event records the outcome: resume_attach, resume_create, resume_restart or
 * resume_failed (with its reason).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { computeResumePoint } from "../../domain/ResumePoint.ts"
import { checkEligibility } from "../../domain/Eligibility.ts"
import type { PlanStep } from "../../domain/Plan.ts"
import { reconcile } from "../../domain/Reconcile.ts"
import { planRestart } from "../../domain/Recovery.ts"
import type { BatchState } from "../../domain/State.ts"
import type { StormOptions } from "../../domain/Storm.ts"
import { WaveExecutor } from "../../ports/WaveExecutor.ts"
import { applyPlan } from "../apply/ApplyPlan.ts"
import type { StepHandlers } from "../apply/Handlers.ts"
import { launchesThatDied, VERIFY_LAUNCH_MS, type FailedLaunch } from "../apply/VerifyLaunch.ts"
import { continueFrom } from "../waves/WaveLoop.ts"
import { finishBatch } from "../waves/FinishBatch.ts"
import { makeApplying } from "../apply/PlanContext.ts"
import { fail, type EngineError } from "../support/Errors.ts"
import { recoverIntents } from "../apply/DanglingIntents.ts"
import { catchUpLogs } from "../support/Logs.ts"
import { learnConversations } from "../support/Conversations.ts"
import { recheckPrompts } from "../support/Prompts.ts"
import { record } from "../apply/Journaled.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { planState, type PlanReport } from "./Plan.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"
import { controlPass } from "../waves/Control.ts"

/** Options of {@link resume}. */
export interface ResumeOptions {
  /** Resume a stopped or failed batch. */
  readonly force?: boolean
  /** Kill and recreate this one task's session (needs confirmation at the CLI). */
  readonly restart?: string
  /** Grace between SIGTERM and SIGKILL for stale agents. */
  readonly graceMs?: number
  readonly leaseStaleMs?: number
  /** Thresholds of the relaunch-storm guard (`false`: none); `force` overrides it too. */
  readonly storm?: StormOptions | false
  /**
   * Run the remaining waves in this process after recovery (default true). False: recover only and
   * leave the batch `paused` for a supervisor started elsewhere (the detached mode starts one).
   */
  readonly supervise?: boolean
  /**
   * Whether a recover-only resume (`supervise: false`) may merge finished lanes (default false: a
   * host that recovers only has not asked for merges). A supervised resume merges as the batch's
   * merge policy says.
   */
  readonly merge?: boolean
  /**
   * Steps the host carries out its own way — `RelaunchAgent`, `StopSession`, `SnapshotWip`,
   * `RetryMerge` — while rekindle journals them, holds the lease and records what was launched,
   * kept and merged (core/engine/apply/Handlers.ts).
   */
  readonly handlers?: StepHandlers
  /**
   * How long a relaunched agent must stay alive to count as relaunched (default 1 s; 0: not checked).
   * One that dies sooner is reported in `failedLaunches`, not in `applied`.
   */
  readonly verifyLaunchMs?: number
}

/** How a resume ended. */
export type ResumeOutcome = "resume_attach" | "resume_create" | "resume_restart" | "resume_failed"

/** What a resume did. */
export interface ResumeResult {
  readonly outcome: ResumeOutcome
  /** The plan re-checked under the lease (what was applied, unless restart replaced it). */
  readonly report: PlanReport
  /** The steps carried out (a relaunch whose agent died at once is in `failedLaunches` instead). */
  readonly applied: ReadonlyArray<PlanStep>
  /** Relaunches whose agent died within `verifyLaunchMs`: the launch did not take. */
  readonly failedLaunches: ReadonlyArray<FailedLaunch>
  readonly state: BatchState
  /** Recovered dangling intents (work a crash had interrupted and that had in fact landed). */
  readonly recovered: number
  /** Whether the journal ended in a torn line (a crash mid-append), which was ignored. */
  readonly journalTornTail: boolean
  readonly message: string
}

const outcomeOf = (restart: boolean, applied: ReadonlyArray<PlanStep>): ResumeOutcome =>
  restart ? "resume_restart" : applied.some((s) => s._tag === "RelaunchAgent") ? "resume_create" : "resume_attach"

/** Tasks a plan holds for their relaunch back-off (the executor relaunches them once it passes). */
const backingOff = (state: BatchState, steps: ReadonlyArray<PlanStep>, now: number): ReadonlyArray<string> =>
  steps.flatMap((s) =>
    s._tag === "Hold" && (state.tasks.find((t) => t.id === s.taskId)?.nextAttemptAt ?? 0) > now ? [s.taskId] : []
  )

/** Resume (or restart one task of) a batch. */
export const resume = Effect.fn("Resume.resume")(function* (ref: BatchRef, options: ResumeOptions = {}) {
  const first = yield* loadState(ref)
  const paths = batchPaths(first.repoRoot, first.batchId)
  const eligibility = checkEligibility(first, { force: options.force ?? false })
  if (options.restart === undefined && eligibility._tag === "Ineligible") {
    return yield* fail("E_NOT_RESUMABLE", eligibility.reason, eligibility.hint, { phase: eligibility.phase })
  }
  if (options.restart !== undefined && !first.tasks.some((t) => t.id === options.restart)) {
    return yield* fail(
      "E_TASK_NOT_FOUND",
      `no task ${options.restart} in batch ${first.batchId}`,
      "see the task ids with `rekindle status`"
    )
  }
  const body = Effect.gen(function* () {
    const lease = yield* withLease(paths.lease, options.leaseStaleMs)
    // Re-check under the lease: the state may have moved since it was first read.
    const ctx = yield* makeApplying(yield* loadState({ repoRoot: first.repoRoot, batchId: first.batchId }))
    const { recovered, tornTail: journalTornTail } = yield* recoverIntents(ctx)
    yield* recheckPrompts(ctx)
    // Requests a dead supervisor accepted or never read are finished first, exactly once (Control.ts).
    // An abort among them ends the resume here: the batch is stopped, nothing is relaunched.
    if ((yield* controlPass(ctx)).aborted) {
      const report = yield* planState(yield* ctx.current, { force: true, storm: false })
      return {
        outcome: "resume_attach" as const,
        report,
        applied: [],
        failedLaunches: [],
        state: yield* ctx.current,
        recovered,
        journalTornTail,
        message: "an abort request stopped the batch"
      }
    }
    // A conversation the agent named itself is learned before deciding: it decides resume vs fresh.
    yield* learnConversations(ctx)
    const report = yield* planState(yield* ctx.current, {
      force: options.force ?? false,
      ...(options.storm === undefined ? {} : { storm: options.storm })
    })
    const planned =
      options.restart === undefined ? report.plan : planRestart(report.state, report.decisions, options.restart)!
    const recoverOnly = options.supervise === false && options.merge !== true
    const plan = recoverOnly ? { ...planned, steps: planned.steps.filter((s) => s._tag !== "RetryMerge") } : planned
    const mergesLeft = planned.steps.length - plan.steps.length
    const now = yield* Clock.currentTimeMillis
    const storm = options.restart === undefined ? report.storm : undefined
    if (storm !== undefined) {
      const state = yield* ctx.update((s) => ({
        ...s,
        phase: "paused",
        errors: [...s.errors, { at: now, code: "E_RELAUNCH_STORM", message: storm }]
      }))
      return {
        outcome: "resume_failed" as const,
        report,
        applied: [],
        failedLaunches: [],
        state,
        recovered,
        journalTornTail,
        message: storm
      }
    }
    const result = yield* applyPlan(report.state, plan, {
      graceMs: options.graceMs ?? 5_000,
      lease: { path: paths.lease, self: lease.self },
      ...(options.handlers === undefined ? {} : { handlers: options.handlers })
    })
    const relaunched = result.applied.flatMap((s) => (s._tag === "RelaunchAgent" ? [s.taskId] : []))
    const failedLaunches = yield* launchesThatDied(result.state, relaunched, options.verifyLaunchMs ?? VERIFY_LAUNCH_MS)
    const dead = new Set(failedLaunches.map((f) => f.taskId))
    const applied = result.applied.filter((s) => !(s._tag === "RelaunchAgent" && dead.has(s.taskId)))
    // Output written while no supervisor ran reaches the supervised log before anything continues.
    const tailing = yield* makeApplying(result.state)
    yield* catchUpLogs(tailing)
    let state = yield* tailing.current
    let message = `applied ${applied.length} step(s)`
    for (const f of failedLaunches) message += `; relaunch of ${f.taskId} FAILED: ${f.reason}`
    if (mergesLeft > 0) message += `; ${mergesLeft} merge(s) left for a supervisor (recover only)`
    if (result.continueFrom !== undefined && options.restart === undefined && options.supervise === false) {
      const apply = yield* makeApplying(state)
      state = yield* apply.update((s) => ({ ...s, phase: "paused" }))
      message += `; recovered only: waves from ${result.continueFrom + 1} wait for a supervisor`
    } else if (result.continueFrom !== undefined && options.restart === undefined) {
      // An embedding orchestrator may supply its own executor; otherwise rekindle's own runs the waves.
      const executor = yield* Effect.serviceOption(WaveExecutor)
      state = Option.isSome(executor)
        ? yield* executor.value
            .continueFrom(state, result.continueFrom)
            .pipe(
              Effect.mapError((e) =>
                fail("E_IO", `the wave executor stopped: ${e.message}`, "run `rekindle resume` again")
              )
            )
        : yield* continueFrom(state, result.continueFrom, {
            heldForBackoff: backingOff(report.state, plan.steps, now),
            lease: { path: paths.lease, self: lease.self }
          })
      message += `; continued from wave ${result.continueFrom + 1}, batch ${state.phase}`
    } else if (options.restart === undefined && mergesLeft > 0) {
      const apply = yield* makeApplying(state)
      state = yield* apply.update((s) => ({ ...s, phase: "paused" }))
    } else if (options.restart === undefined) {
      const rp = computeResumePoint(state, reconcile(state, report.signals))
      const finished =
        rp.resumeWave === undefined &&
        rp.mergeRetryWaves.length === 0 &&
        rp.held.length === 0 &&
        rp.reconnect.length === 0 &&
        rp.reExecute.length === 0
      // The failure policy ended the batch (a failure no supervisor saw): it pauses, as the live run would.
      if (finished || report.stoppedByPolicy !== undefined) {
        // The batch ends here, not in an executor: the same end-of-batch cleanup (worktrees, branches
        // and sessions of merged tasks) runs, or a completed batch would leave everything behind.
        state = yield* finishBatch(yield* makeApplying(state))
      }
    }
    return {
      outcome: outcomeOf(options.restart !== undefined, applied),
      report,
      applied,
      failedLaunches,
      state,
      recovered,
      journalTornTail,
      message
    }
  })
  return yield* Effect.scoped(body).pipe(
    Effect.tap((r) =>
      record(paths.journal, {
        key: `${first.batchId}:resume`,
        phase: "info",
        kind: r.outcome,
        data: { message: r.message, steps: r.applied.length }
      })
    ),
    Effect.tapError((e: EngineError) =>
      e.code === "E_LOCKED"
        ? Effect.void
        : Effect.ignore(
            record(paths.journal, {
              key: `${first.batchId}:resume`,
              phase: "info",
              kind: "resume_failed",
              data: { code: e.code, reason: e.message }
            })
          )
    ),
    // Named, so the Effect API's hover says ResumeResult instead of spelling it out.
    Effect.map((r): ResumeResult => r)
  )
})
