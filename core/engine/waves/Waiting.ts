/**
 * Announcing an agent that waits for input: each poll, the tail of every running task's pane log is
 * read (one stat and one bounded read, no spawn) and judged by `detectActivity`; a task newly seen
 * asking is published once per question (a `task-waiting-for-input` event, core/engine/support/Events.ts).
 */
import * as Effect from "effect/Effect"
import { detectActivity } from "../../domain/Detector.ts"
import { ownGet } from "../../domain/Records.ts"
import type { Signals } from "../../domain/Signals.ts"
import { LogTail } from "../../ports/LogTail.ts"
import { type Applying, findTask } from "../apply/PlanContext.ts"
import { publish } from "../support/Events.ts"

/** Bytes at the end of a pane log judged for a question. */
const TAIL_BYTES = 4096

/** Publish `task-waiting-for-input` for tasks of `ids` newly asking (`asked`: already announced, by question). */
export const waitingForInput = Effect.fn("Waiting.pass")(function* (
  ctx: Applying,
  ids: ReadonlyArray<string>,
  asked: Map<string, string>,
  signals: Signals
) {
  const tail = yield* LogTail
  const state = yield* ctx.current
  for (const id of ids) {
    const task = findTask(state, id)
    if (task === undefined || task.status !== "running") {
      asked.delete(id)
      continue
    }
    const path = ctx.paths.log(id)
    const size = yield* tail.size(path).pipe(Effect.orElseSucceed(() => 0))
    if (size === 0) continue
    const chunk = yield* tail.read(path, Math.max(0, size - TAIL_BYTES), TAIL_BYTES).pipe(Effect.option)
    if (chunk._tag === "None") continue
    const out = ownGet(signals.lastOutputAt ?? {}, id)
    const d = detectActivity({
      lines: new TextDecoder().decode(chunk.value.bytes).split(/\r?\n/),
      paneDead: false,
      quietMs: out === undefined ? 0 : Math.max(0, signals.observedAt - out),
      idleAfterMs: Number.POSITIVE_INFINITY
    })
    if (d.activity !== "waiting-for-input") {
      asked.delete(id)
      continue
    }
    const question = `${size}:${d.line ?? ""}`
    if (asked.get(id) === question) continue
    asked.set(id, question)
    yield* publish(state, {
      kind: "task-waiting-for-input",
      at: signals.observedAt,
      batchId: state.batchId,
      taskId: id,
      ...(d.line === undefined ? {} : { reason: d.line })
    })
  }
})
