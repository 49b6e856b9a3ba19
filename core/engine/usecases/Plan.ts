/**
 * plan: load → migrate → eligibility → observe → reconcile → resume point → planRecovery. Read-only.
 * `planFromSnapshot` runs the same decision on a saved signals snapshot (bug reports, replay).
 */
import * as Effect from "effect/Effect"
import type { ResumePoint, TaskDecision } from "../../domain/Decision.ts"
import { checkEligibility, type Eligibility } from "../../domain/Eligibility.ts"
import type { Plan } from "../../domain/Plan.ts"
import { applyFailurePolicy } from "../../domain/FailurePolicy.ts"
import { awaitsExitReport } from "../../domain/Monitor.ts"
import { planRecovery, type RecoveryOptions } from "../../domain/Recovery.ts"
import { reconcile } from "../../domain/Reconcile.ts"
import { computeResumePoint } from "../../domain/ResumePoint.ts"
import type { Signals } from "../../domain/Signals.ts"
import type { BatchState } from "../../domain/State.ts"
import { DEFAULT_STORM, guardRelaunchStorm, type StormOptions } from "../../domain/Storm.ts"
import { addDirty, observe } from "../support/Observe.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"

/** Everything `rekindle plan` shows. */
export interface PlanReport {
  readonly state: BatchState
  readonly signals: Signals
  readonly eligibility: Eligibility
  readonly decisions: ReadonlyArray<TaskDecision>
  readonly resumePoint: ResumePoint
  readonly plan: Plan
  /** Why the relaunch-storm guard holds the plan's relaunches (core/domain/Storm.ts), when it does. */
  readonly storm?: string
  /** Why the batch's failure policy ends it after this plan (core/domain/FailurePolicy.ts), when it does. */
  readonly stoppedByPolicy?: string
}

/** Options of {@link planFromSnapshot} and {@link planState}. */
interface PlanOptions {
  /** Resume a stopped or failed batch; also overrides the relaunch-storm guard. */
  readonly force?: boolean
  readonly relaunchCap?: number
  /** Thresholds of the storm guard; `false`: no guard (a supervisor recovering one task in place). */
  readonly storm?: StormOptions | false
}

/** The pure part: decisions, resume point and plan from a state and signals. */
export const planFromSnapshot = (state: BatchState, signals: Signals, options: PlanOptions = {}): PlanReport => {
  const decisions = reconcile(state, signals)
  const resumePoint = computeResumePoint(state, decisions)
  const recovery: RecoveryOptions = {
    now: signals.observedAt,
    ...(options.relaunchCap === undefined ? {} : { relaunchCap: options.relaunchCap })
  }
  const policy = applyFailurePolicy(state, decisions, planRecovery(state, decisions, resumePoint, recovery))
  const planned = policy.plan
  const guarded =
    options.force === true || options.storm === false
      ? { plan: planned }
      : guardRelaunchStorm(state, decisions, planned, signals.observedAt, options.storm ?? DEFAULT_STORM)
  return {
    state,
    signals,
    eligibility: checkEligibility(state, { force: options.force ?? false }),
    decisions,
    resumePoint,
    plan: guarded.plan,
    ...(guarded.storm === undefined ? {} : { storm: guarded.storm }),
    ...(policy.stops === undefined ? {} : { stoppedByPolicy: policy.stops })
  }
}

/** How long, and how often, a dead pane without an exit status or signal is looked at again. */
const SETTLE_MS = 2_000
const SETTLE_POLL_MS = 250

/**
 * Whether a started task's own pane is dead while tmux has reported neither its exit status nor its
 * signal yet: how its agent ended decides between mark-failed and re-execute, so the decision waits.
 */
const unsettled = (state: BatchState, signals: Signals): boolean =>
  reconcile(state, signals).some((d) => awaitsExitReport(d, signals))

/**
 * Observe, waiting (up to SETTLE_MS) for tmux to report how each freshly dead pane's program ended —
 * as the live supervisor waits (core/engine/waves/WaveLoop.ts): both decide on the same facts.
 */
const settled = (state: BatchState) =>
  Effect.gen(function* () {
    let signals = yield* observe(state)
    for (let waited = 0; waited < SETTLE_MS && unsettled(state, signals); waited += SETTLE_POLL_MS) {
      yield* Effect.sleep(SETTLE_POLL_MS)
      signals = yield* observe(state)
    }
    return signals
  })

/** Observe a loaded state and decide (dirty status fetched only for re-execute candidates). */
export const planState = Effect.fn("Planning.planState")(function* (state: BatchState, options: PlanOptions = {}) {
  const first = yield* settled(state)
  const needDirty = reconcile(state, first)
    .filter((d) => d.action === "re-execute")
    .map((d) => d.taskId)
  const signals = needDirty.length === 0 ? first : yield* addDirty(state, first, needDirty)
  return planFromSnapshot(state, signals, options)
})

/** `rekindle plan`: read-only. */
export const plan = Effect.fn("Planning.plan")(function* (ref: BatchRef, options: { readonly force?: boolean } = {}) {
  const state = yield* loadState(ref)
  return yield* planState(state, options)
})
