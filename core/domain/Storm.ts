/**
 * Relaunch-storm guard: when many agents die on their own soon after rekindle launched them —
 * expired credentials, a broken toolchain — relaunching them all only burns their attempts, so the
 * plan holds them and the batch pauses instead.
 *
 * Only agents that died on their own count: an agent killed from outside (its pane or session
 * killed, the tmux server or the machine gone, a signal) is no sign of a storm — a reboot with many
 * agents running is the most ordinary recovery there is, never refused. The guard shows in the plan
 * (a Hold per task and a Report with the reason), so `plan` says it before `resume` trips it, and
 * `resume --force` overrides it.
 */
import type { TaskDecision } from "./Decision.ts"
import { lastLaunchAt } from "./Monitor.ts"
import type { Plan, PlanStep } from "./Plan.ts"
import type { BatchState } from "./State.ts"

/** Thresholds of {@link guardRelaunchStorm}. */
export interface StormOptions {
  /** A task launched less than this long ago whose agent died on its own "died quickly". */
  readonly windowMs: number
  /** This many quick deaths in one plan is a storm. */
  readonly threshold: number
}

/** Defaults: three or more agents that died on their own within ten minutes of their launch. */
export const DEFAULT_STORM: StormOptions = { windowMs: 10 * 60_000, threshold: 3 }

/**
 * Whether a decision's evidence says the agent ended on its own: a dead pane with an exit status, or
 * only a shell left where the agent ran. A vanished session or a killed pane (a signal, no status) is
 * the world's doing, not the agent's.
 */
export const diedOnItsOwn = (d: TaskDecision): boolean =>
  d.evidence.session === "bare-shell" || (d.evidence.session === "dead-pane" && d.evidence.exitStatus !== undefined)

/** The guarded plan, and the storm's reason when it tripped. */
export interface StormVerdict {
  readonly plan: Plan
  readonly storm?: string
}

/** Hold the storm's tasks (no stop, snapshot or relaunch) and continue nothing; say why. */
const holdAll = (plan: Plan, quick: ReadonlySet<string>, reason: string): Plan => {
  const steps: Array<PlanStep> = []
  const held = new Set<string>()
  for (const s of plan.steps) {
    const taskId = "taskId" in s ? s.taskId : undefined
    if (
      taskId !== undefined &&
      quick.has(taskId) &&
      (s._tag === "StopSession" || s._tag === "SnapshotWip" || s._tag === "RelaunchAgent")
    ) {
      if (!held.has(taskId)) steps.push({ _tag: "Hold", taskId, reason: "relaunch storm: held (see the report below)" })
      held.add(taskId)
      continue
    }
    if (s._tag === "ContinueFromWave") continue
    steps.push(s)
  }
  steps.push({ _tag: "Report", reason })
  return { batchId: plan.batchId, steps }
}

/** Apply the guard to a plan made at `now` from `decisions`. */
export const guardRelaunchStorm = (
  state: BatchState,
  decisions: ReadonlyArray<TaskDecision>,
  plan: Plan,
  now: number,
  options: StormOptions = DEFAULT_STORM
): StormVerdict => {
  const relaunched = new Set<string>()
  for (const s of plan.steps) if (s._tag === "RelaunchAgent") relaunched.add(s.taskId)
  if (relaunched.size < options.threshold) return { plan }
  const byId = new Map(state.tasks.map((t) => [t.id, t]))
  const quick: Array<string> = []
  for (const d of decisions) {
    if (!relaunched.has(d.taskId) || !diedOnItsOwn(d)) continue
    const task = byId.get(d.taskId)
    // A task stopped on purpose (abort) did not die: it is no sign of a storm.
    if (task === undefined || task.history?.at(-1)?.event === "abort") continue
    const at = lastLaunchAt(task)
    if (at !== undefined && now - at < options.windowMs) quick.push(d.taskId)
  }
  if (quick.length < options.threshold) return { plan }
  const storm =
    `relaunch storm: ${quick.length} agents (${quick.join(", ")}) exited on their own within ` +
    `${Math.round(options.windowMs / 60_000)} min of their launch; check credentials and the agent's environment, ` +
    "then resume (`rekindle resume --force` relaunches them anyway)"
  return { plan: holdAll(plan, new Set(quick), storm), storm }
}
export { lastLaunchAt } from "./Monitor.ts"
