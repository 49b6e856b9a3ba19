/**
 * plan: load → migrate → eligibility → observe → reconcile → resume point → planRecovery. Read-only.
 * `planFromSnapshot` (core/domain/PlanReport.ts) runs the same decision on a saved signals snapshot.
 */
import * as Effect from "effect/Effect"
import { awaitsExitReport } from "../../domain/Monitor.ts"
import { planFromSnapshot, type PlanOptions } from "../../domain/PlanReport.ts"
import { reconcile } from "../../domain/Reconcile.ts"
import type { Signals } from "../../domain/Signals.ts"
import type { Plan } from "../../domain/Plan.ts"
import type { BatchState } from "../../domain/State.ts"
import { AgentLauncher } from "../../ports/AgentLauncher.ts"
import { keptTrust, kindRequest } from "../waves/Launch.ts"
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
  const report = planFromSnapshot(state, signals, options)
  const changes = yield* trustChanges(state, report.plan)
  return changes.length === 0 ? report : { ...report, configChanges: changes }
})

/** The agent-config changes the plan's relaunches make (previewed, nothing written), one line each. */
const trustChanges = Effect.fn("Planning.trustChanges")(function* (state: BatchState, plan: Plan) {
  const launcher = yield* AgentLauncher
  const ids = new Set(plan.steps.filter((s) => s._tag === "RelaunchAgent").map((s) => s.taskId))
  const relaunched = state.tasks.filter((t) => ids.has(t.id))
  const lines: Array<string> = []
  for (const task of relaunched) {
    const kind = task.agent
    if (state.options?.trustRepository === false) {
      if (launcher.kinds.find((k) => k.name === kind)?.trust !== undefined)
        lines.push(`${kind}: options.trustRepository is off; it may stop at its trust screen for ${state.repoRoot}`)
      continue
    }
    // Per task: its own env (CLAUDE_CONFIG_DIR) chooses the config file.
    const change = yield* launcher
      .recordTrust({ ...kindRequest(state, task), repoRoot: state.repoRoot, preview: true })
      .pipe(Effect.catch((e) => Effect.succeed(e.message)))
    if (typeof change === "string") lines.push(`${kind}: ${change}`)
    else if (change?.kept !== undefined) lines.push(`${kind}: ${keptTrust(change)}`)
    else if (change?.changed === true)
      lines.push(`${kind}: set ${change.key} = ${change.value} in ${change.file} (trustRepository)`)
  }
  return [...new Set(lines)]
})

/** `rekindle plan`: read-only. */
export const plan = Effect.fn("Planning.plan")(function* (ref: BatchRef, options: Pick<PlanOptions, "force"> = {}) {
  const state = yield* loadState(ref)
  return yield* planState(state, options)
})
