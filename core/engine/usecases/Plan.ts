/**
 * plan: load → migrate → eligibility → observe → reconcile → resume point → planRecovery. Read-only.
 * `planFromSnapshot` (core/domain/PlanReport.ts) runs the same decision on a saved signals snapshot.
 */
import * as Effect from "effect/Effect"
import { awaitsExitReport } from "../../domain/Monitor.ts"
import { planFromSnapshot, type PlanOptions } from "../../domain/PlanReport.ts"
import { reconcile } from "../../domain/Reconcile.ts"
import type { Signals } from "../../domain/Signals.ts"
import type { BatchState } from "../../domain/State.ts"
import { addDirty, observe } from "../support/Observe.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"

export { planFromSnapshot, type PlanReport } from "../../domain/PlanReport.ts"

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
