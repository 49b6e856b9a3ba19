/**
 * The live supervisor's look at its agents' screens: a running task whose pane has gone quiet is captured (at most
 * every CAPTURE_EVERY_MS, one `capture-pane` each) and judged by core/domain/Waiting.ts. A task that stops at a screen
 * that blocks work records `task.waiting` (status and plan show it `waiting`, with the lines), a history event, and ONE
 * `task-waiting` event; one that leaves the screen (someone answered it through `rekindle attach`) runs again. rekindle
 * never types an answer.
 */
import * as Effect from "effect/Effect"
import { lastLaunchAt } from "../../domain/Monitor.ts"
import { ownershipTag } from "../../domain/Naming.ts"
import { ownGet } from "../../domain/Records.ts"
import { FIRST_RUN_SCREENS } from "../../domain/Screens.ts"
import type { Signals } from "../../domain/Signals.ts"
import { blockingScreen, waitingChange } from "../../domain/Waiting.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { type Applying, findTask } from "../apply/PlanContext.ts"
import { publish } from "../support/Events.ts"
import { emit } from "./WaveSettings.ts"

/** A pane quiet this long is worth a capture (an agent at work writes continuously: its spinner at least). */
const QUIET_BEFORE_CAPTURE_MS = 2_000
/** At most one capture per task this often (a waiting task: as soon as it writes again). */
const CAPTURE_EVERY_MS = 3_000
/** Lines captured: the visible screen. */
const SCREEN_LINES = 60

/** Judge the screens of the running tasks among `ids`; `captured`: when each was last captured (kept by the caller). */
export const screensPass = Effect.fn("BlockingScreens.pass")(function* (
  ctx: Applying,
  ids: ReadonlyArray<string>,
  signals: Signals,
  captured: Map<string, number>
) {
  if (signals.tmux.state !== "up") return
  const tmux = yield* Tmux
  const state = yield* ctx.current
  const now = signals.observedAt
  for (const id of ids) {
    const task = findTask(state, id)
    if (task === undefined || (task.status !== "running" && task.status !== "stalled")) {
      captured.delete(id)
      continue
    }
    const pane = signals.tmux.panes.find((p) => p.taskTag === ownershipTag(state.batchId, id) && !p.dead)
    if (pane === undefined) continue
    const out = ownGet(signals.lastOutputAt ?? {}, id)
    const quietMs = Math.max(0, now - (out ?? lastLaunchAt(task) ?? now))
    const waiting = task.waiting !== undefined
    const last = captured.get(id)
    const wroteSince = out !== undefined && last !== undefined && out > last
    if (!waiting && quietMs < QUIET_BEFORE_CAPTURE_MS) continue
    if (last !== undefined && now - last < CAPTURE_EVERY_MS && !(waiting && wroteSince)) continue
    captured.set(id, now)
    const lines = yield* tmux.capture({ paneId: pane.paneId }, SCREEN_LINES).pipe(Effect.option)
    if (lines._tag === "None") continue
    const blocking = blockingScreen({
      table: FIRST_RUN_SCREENS,
      agent: task.agent,
      lines: lines.value,
      quietMs,
      waiting
    })
    const change = waitingChange(task.waiting, blocking, now)
    if (change._tag === "Enter") {
      const w = change.waiting
      const reason = `stopped at ${w.screen}: ${w.how}`
      yield* ctx.updateTask(id, (t) => ({
        ...t,
        waiting: w,
        history: [...(t.history ?? []), { at: now, event: "waiting", reason }]
      }))
      yield* emit({ _tag: "TaskChanged", taskId: id, status: "waiting", reason })
      yield* publish(state, {
        kind: "task-waiting",
        at: now,
        batchId: state.batchId,
        taskId: id,
        reason,
        lines: w.lines
      })
    } else if (change._tag === "Leave") {
      const reason = "the screen is no longer shown (answered): running again"
      yield* ctx.updateTask(id, ({ waiting: _answered, ...t }) => ({
        ...t,
        history: [...(t.history ?? []), { at: now, event: "waiting-ended", reason }]
      }))
      yield* emit({ _tag: "TaskChanged", taskId: id, status: task.status, reason })
    }
  }
})
