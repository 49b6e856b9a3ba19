/**
 * plan: load → migrate → eligibility → observe → reconcile → resume point → planRecovery. Read-only.
 * `planFromSnapshot` runs the same decision on a saved signals snapshot (bug reports, replay).
 */
import * as Effect from "effect/Effect"
import type { ResumePoint, TaskDecision } from "../domain/Decision.ts"
import { checkEligibility, type Eligibility } from "../domain/Eligibility.ts"
import type { Plan } from "../domain/Plan.ts"
import { planRecovery, type RecoveryOptions } from "../domain/Recovery.ts"
import { reconcile } from "../domain/Reconcile.ts"
import { computeResumePoint } from "../domain/ResumePoint.ts"
import type { Signals } from "../domain/Signals.ts"
import type { BatchState } from "../domain/State.ts"
import { addDirty, observe } from "./Observe.ts"
import { loadState, type BatchRef } from "./StateIO.ts"

/** Everything `rekindle plan` shows. */
export interface PlanReport {
  readonly state: BatchState
  readonly signals: Signals
  readonly eligibility: Eligibility
  readonly decisions: ReadonlyArray<TaskDecision>
  readonly resumePoint: ResumePoint
  readonly plan: Plan
}

/** The pure part: decisions, resume point and plan from a state and signals. */
export const planFromSnapshot = (
  state: BatchState,
  signals: Signals,
  options: { readonly force?: boolean; readonly relaunchCap?: number } = {}
): PlanReport => {
  const decisions = reconcile(state, signals)
  const resumePoint = computeResumePoint(state, decisions)
  const recovery: RecoveryOptions = { now: signals.observedAt, ...(options.relaunchCap === undefined ? {} : { relaunchCap: options.relaunchCap }) }
  return {
    state,
    signals,
    eligibility: checkEligibility(state, { force: options.force ?? false }),
    decisions,
    resumePoint,
    plan: planRecovery(state, decisions, resumePoint, recovery)
  }
}

/** Observe a loaded state and decide (dirty status fetched only for re-execute candidates). */
export const planState = Effect.fn("Planning.planState")(function*(state: BatchState, options: { readonly force?: boolean } = {}) {
  const first = yield* observe(state)
  const needDirty = reconcile(state, first).filter((d) => d.action === "re-execute").map((d) => d.taskId)
  const signals = needDirty.length === 0 ? first : yield* addDirty(state, first, needDirty)
  return planFromSnapshot(state, signals, options)
})

/** `rekindle plan`: read-only. */
export const plan = Effect.fn("Planning.plan")(function*(ref: BatchRef, options: { readonly force?: boolean } = {}) {
  const state = yield* loadState(ref)
  return yield* planState(state, options)
})
