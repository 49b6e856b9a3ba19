/**
 * Relaunch-storm detection: when many tasks die soon after being (re)launched — expired credentials,
 * a broken toolchain — relaunching them all only burns their attempts. The batch is paused instead.
 */
import type { Plan } from "./Plan.ts"
import type { BatchState, Task } from "./State.ts"

/** Thresholds of {@link detectRelaunchStorm}. */
export interface StormOptions {
  /** A task launched less than this long ago that needs relaunching "died quickly". */
  readonly windowMs: number
  /** This many quick deaths in one plan is a storm. */
  readonly threshold: number
}

/** Defaults: three or more tasks that died within ten minutes of their launch. */
export const DEFAULT_STORM: StormOptions = { windowMs: 10 * 60_000, threshold: 3 }

/** Time of the task's latest launch (history, else its start). */
export const lastLaunchAt = (task: Task): number | undefined => {
  const launches = (task.history ?? []).filter((h) => h.event.startsWith("launch:")).map((h) => h.at)
  return launches.length > 0 ? Math.max(...launches) : task.startedAt
}

/** A reason to pause instead of relaunching, or undefined when the plan is not a storm. */
export const detectRelaunchStorm = (state: BatchState, plan: Plan, now: number, options: StormOptions = DEFAULT_STORM): string | undefined => {
  const byId = new Map(state.tasks.map((t) => [t.id, t]))
  const quick = plan.steps.flatMap((s) => {
    if (s._tag !== "RelaunchAgent") return []
    const task = byId.get(s.taskId)
    // A task stopped on purpose (abort) did not die: it is no sign of a storm.
    if (task?.history?.at(-1)?.event === "abort") return []
    const at = task === undefined ? undefined : lastLaunchAt(task)
    return at !== undefined && now - at < options.windowMs ? [s.taskId] : []
  })
  return quick.length >= options.threshold
    ? `relaunch storm: ${quick.length} tasks (${quick.join(", ")}) died within ${Math.round(options.windowMs / 60_000)} min of their launch; ` +
      "check credentials and the agent's environment, then resume"
    : undefined
}
