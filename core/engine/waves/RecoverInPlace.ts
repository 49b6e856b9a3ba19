/**
 * A running task whose session vanished under a live supervisor — its pane or session killed, or the
 * whole tmux server — did not fail: something outside the agent took its terminal away (an agent
 * that exits leaves a dead pane under `remain-on-exit`, with its status). Marking it failed would
 * make `resume` skip it, so a tmux crash would change the batch's outcome (DESIGN §5.1). Instead the
 * supervisor does what `resume` does for it: plan against a fresh observation and apply exactly that
 * task's steps — snapshot WIP, relaunch in its own worktree, or mark it failed past the relaunch cap
 * or without a usable worktree. A hold (its agent still alive outside tmux) waits for the next poll.
 */
import * as Effect from "effect/Effect"
import type { PlanStep } from "../../domain/Plan.ts"
import { applyPlan } from "../apply/ApplyPlan.ts"
import type { Applying } from "../apply/PlanContext.ts"
import { planState } from "../usecases/Plan.ts"

/** The plan steps that recover one task (never Hold/Report, merges or continuation). */
const TASK_STEPS: ReadonlySet<PlanStep["_tag"]> = new Set(["StopSession", "SnapshotWip", "RelaunchAgent", "MarkTask"])

const stepTask = (step: PlanStep): string | undefined => ("taskId" in step ? step.taskId : undefined)

/** Recover `taskIds` in place as resume would; returns the steps applied (the executor's state follows). */
export const recoverVanished = Effect.fn("Vanished.recoverVanished")(function* (
  ctx: Applying,
  taskIds: ReadonlyArray<string>,
  graceMs: number
) {
  const wanted = new Set(taskIds)
  // No storm guard here: the monitor recovers only agents killed from outside, and a hold would
  // leave the task to be recovered again at every poll.
  const report = yield* planState(yield* ctx.current, { storm: false })
  const steps = report.plan.steps.filter((s) => {
    const id = stepTask(s)
    return TASK_STEPS.has(s._tag) && id !== undefined && wanted.has(id)
  })
  if (steps.length === 0) return steps
  const result = yield* applyPlan(report.state, { batchId: report.state.batchId, steps }, { graceMs })
  // applyPlan persisted every step; the executor carries on from what it saved.
  yield* ctx.update(() => result.state)
  return steps
})
