/**
 * The batch's failure policy, applied to a recovery plan exactly as the live supervisor applies it
 * (core/engine/waves/WaveLoop.ts), so an agent that failed while no supervisor ran ends the batch the
 * way an uninterrupted run would have:
 * - `skip-dependents`: what depends on a failed task is `skipped`, never `blocked`;
 * - `stop-wave` (the default): a failure that no supervisor saw lets its wave finish, then no further
 *   wave starts — its dependents stay `pending` and the batch pauses;
 * - `stop-all`: the failed wave's other agents are stopped and marked failed, nothing more is merged
 *   or started, and the batch pauses.
 * A batch already `paused` had its policy applied when it paused: an explicit `resume` goes on.
 */
import type { TaskDecision } from "./Decision.ts"
import type { Plan, PlanStep } from "./Plan.ts"
import type { BatchState } from "./State.ts"

/** The reason the live supervisor records for a task stopped under stop-all. */
const STOPPED_BY_POLICY = "stopped: another task failed (failure policy stop-all)"

/** The reason the live supervisor records for a dependent skipped under skip-dependents. */
const SKIPPED_BY_POLICY = "a dependency failed (failure policy skip-dependents)"

const failsNow = (d: TaskDecision): boolean =>
  d.action === "mark-failed" || (d.action === "mark-complete" && d.outcome === "failed")

const taskOf = (s: PlanStep): string | undefined => ("taskId" in s ? s.taskId : undefined)

/** The plan with the policy applied, and why the batch stops after it when the policy stops it. */
interface PolicyVerdict {
  readonly plan: Plan
  readonly stops?: string
}

/** The plan with the batch's failure policy applied. */
export const applyFailurePolicy = (
  state: BatchState,
  decisions: ReadonlyArray<TaskDecision>,
  plan: Plan
): PolicyVerdict => {
  const policy = state.options?.failurePolicy ?? "stop-wave"
  if (policy === "skip-dependents") {
    const steps = plan.steps.map(
      (s): PlanStep =>
        s._tag === "MarkTask" && s.status === "blocked" ? { ...s, status: "skipped", reason: SKIPPED_BY_POLICY } : s
    )
    return { plan: { batchId: plan.batchId, steps } }
  }
  if (state.phase !== "executing" && state.phase !== "merging") return { plan }
  const status = new Map(state.tasks.map((t) => [t.id, t.status]))
  const failed = decisions.filter((d) => failsNow(d) && status.get(d.taskId) !== "failed").map((d) => d.taskId)
  if (failed.length === 0) return { plan }
  const waveOf = new Map(state.waves.flatMap((ids, w) => ids.map((id) => [id, w] as const)))
  const wave = Math.min(...failed.map((id) => waveOf.get(id) ?? Number.MAX_SAFE_INTEGER))
  const stops =
    `${failed.join(", ")} failed while no supervisor ran: failure policy ${policy} starts no further wave; ` +
    "`rekindle resume` again goes on with what does not depend on it"
  const report: PlanStep = { _tag: "Report", reason: stops }
  if (policy === "stop-wave") {
    const steps = plan.steps.filter(
      (s) => !(s._tag === "MarkTask" && s.status === "blocked") && !(s._tag === "ContinueFromWave" && s.wave > wave)
    )
    // The failed wave still runs to its end when it has unfinished tasks: the wave loop stops after it.
    const continues = steps.some((s) => s._tag === "ContinueFromWave")
    return continues || steps.length === plan.steps.length
      ? { plan: { batchId: plan.batchId, steps } }
      : { plan: { batchId: plan.batchId, steps: [...steps, report] }, stops }
  }
  // stop-all: the failed wave's running agents are stopped and failed; nothing of it is merged.
  const inWave = new Set(state.waves[wave] ?? [])
  const stopping = new Set(
    decisions
      .filter((d) => inWave.has(d.taskId) && (d.action === "reconnect" || d.action === "re-execute"))
      .map((d) => d.taskId)
  )
  const byTask = new Map(decisions.map((d) => [d.taskId, d]))
  const steps: Array<PlanStep> = []
  const done = new Set<string>()
  for (const s of plan.steps) {
    const id = taskOf(s)
    if (id !== undefined && stopping.has(id) && s._tag !== "MarkTask") {
      if (done.has(id)) continue
      done.add(id)
      const session = byTask.get(id)?.evidence.sessionName
      const attempt = state.tasks.find((t) => t.id === id)?.attempts ?? 0
      if (session !== undefined)
        steps.push({ _tag: "StopSession", taskId: id, session, attempt, reason: STOPPED_BY_POLICY })
      steps.push({ _tag: "MarkTask", taskId: id, status: "failed", reason: STOPPED_BY_POLICY })
      continue
    }
    if (s._tag === "MarkTask" && s.status === "blocked") continue
    if ((s._tag === "ContinueFromWave" || s._tag === "RetryMerge") && s.wave >= wave) continue
    steps.push(s)
  }
  steps.push(report)
  return { plan: { batchId: plan.batchId, steps }, stops }
}
