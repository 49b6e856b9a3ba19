/**
 * The status a task is shown with. The persisted status stays what `resume` decides from (a task an
 * abort stopped is still `running` there, so `resume --force` relaunches it); people and `status
 * --json` see `stopped` for it: the batch is stopped and its agent is no longer alive. A live agent stopped at a
 * screen that blocks work is shown `waiting` (persisted `running`, with the screen in `task.waiting`).
 */
import * as Schema from "effect/Schema"
import { type Task, TaskStatus } from "./State.ts"

/**
 * A persisted task status, or `stopped`: running when its batch was stopped, agent gone since; or `waiting`: running,
 * its live agent stopped at a screen that blocks work (core/domain/Waiting.ts).
 */
export const ShownStatus = Schema.Literals([...TaskStatus.literals, "stopped", "waiting"])
/** @see ShownStatus */
export type ShownStatus = typeof ShownStatus.Type

/** How `task` of a batch in `phase` is shown, given whether its agent process is alive. */
export const shownStatus = (task: Task, phase: string, agentAlive: boolean): ShownStatus => {
  const live = task.status === "running" || task.status === "stalled"
  if (live && phase === "stopped" && !agentAlive) return "stopped"
  return live && agentAlive && task.waiting !== undefined ? "waiting" : task.status
}
