/**
 * The pure plan: decisions, resume point and ordered steps from a state and a signals snapshot —
 * what `rekindle plan` shows, as plain data. The engine's `plan` observes the machine and calls it;
 * anyone can call it on a saved snapshot (bug reports, replay, an embedder's own observation).
 */
import type { ResumePoint, TaskDecision } from "./Decision.ts"
import { checkEligibility, type Eligibility } from "./Eligibility.ts"
import type { Plan } from "./Plan.ts"
import { applyFailurePolicy } from "./FailurePolicy.ts"
import { planRecovery, type RecoveryOptions } from "./Recovery.ts"
import { reconcile } from "./Reconcile.ts"
import { computeResumePoint } from "./ResumePoint.ts"
import type { Signals } from "./Signals.ts"
import type { BatchState } from "./State.ts"
import type { TaskWaiting } from "./Waiting.ts"
import { DEFAULT_STORM, guardRelaunchStorm, type StormOptions } from "./Storm.ts"

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
  /** What applying the plan changes outside the repository: agent config keys (the `trustRepository` policy). */
  readonly configChanges?: ReadonlyArray<string>
  /**
   * Tasks whose live agent waits at a screen that blocks work (core/domain/Waiting.ts), as the supervisor recorded it:
   * reconnected like any live agent, and still waiting for someone to answer (`rekindle attach <task>`).
   */
  readonly waiting?: ReadonlyArray<{ readonly taskId: string } & TaskWaiting>
}

/** Options of {@link planFromSnapshot} and {@link planState}. */
export interface PlanOptions {
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
  const reconnected = new Set(decisions.filter((d) => d.action === "reconnect").map((d) => d.taskId))
  const waiting = state.tasks.flatMap((t) =>
    t.waiting !== undefined && reconnected.has(t.id) ? [{ taskId: t.id, ...t.waiting }] : []
  )
  return {
    state,
    signals,
    eligibility: checkEligibility(state, { force: options.force ?? false }),
    decisions,
    resumePoint,
    plan: guarded.plan,
    ...(guarded.storm === undefined ? {} : { storm: guarded.storm }),
    ...(policy.stops === undefined ? {} : { stoppedByPolicy: policy.stops }),
    ...(waiting.length === 0 ? {} : { waiting })
  }
}
