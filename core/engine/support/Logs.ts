/**
 * Supervised logs: each task's pane log (piped by tmux from the first byte) is tailed from a byte
 * checkpoint into the batch's supervised sink (`logs/supervised.jsonl`, one JSON line per chunk of
 * whole lines with its byte range). No line is lost or read twice across a supervisor restart:
 * an unterminated last line is left for the next read (the checkpoint rewinds to its start) — until
 * its task has finished, when it is the agent's last word and recorded as it is —, and
 * the sink's own ranges — appended atomically, one line per chunk — win over a checkpoint that a
 * crash kept from being saved. A log that shrank below the checkpoint is read again from 0.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { checkpointAfter, resumeOffset, splitLines } from "../../domain/LogCheckpoint.ts"
import { Journal } from "../../ports/Journal.ts"
import { LogTail } from "../../ports/LogTail.ts"
import { findTask, type Applying } from "../apply/PlanContext.ts"
import { crashPoint } from "../apply/CrashPoints.ts"
import { fail } from "./Errors.ts"
import type { BatchPaths } from "../../domain/Layout.ts"

/** Statuses whose agent no longer writes to the task's log. */
const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed", "skipped", "blocked"])

/** Bytes read per task per pass (a long backlog is caught up over several passes). */
const TAIL_CHUNK = 1 << 20

/** The supervised sink of a batch. */
export const sinkPath = (paths: BatchPaths): string => `${paths.logs}/supervised.jsonl`

/** One chunk of a task's output as recorded in the sink. */
interface LogChunk {
  readonly task: string
  readonly from: number
  readonly to: number
  readonly lines: ReadonlyArray<string>
}

const asChunk = (data: unknown): LogChunk | undefined => {
  if (typeof data !== "object" || data === null) return undefined
  const d = data as Record<string, unknown>
  return typeof d["task"] === "string" &&
    typeof d["from"] === "number" &&
    typeof d["to"] === "number" &&
    Array.isArray(d["lines"])
    ? {
        task: d["task"],
        from: d["from"],
        to: d["to"],
        lines: d["lines"].filter((l): l is string => typeof l === "string")
      }
    : undefined
}

/** Every chunk in the sink (a torn last chunk is ignored: it will be read again). */
export const readSink = Effect.fn("Logs.readSink")(function* (paths: BatchPaths) {
  const journal = yield* Journal
  const contents = yield* journal
    .read(sinkPath(paths))
    .pipe(
      Effect.mapError((e) =>
        fail("E_IO", `cannot read ${sinkPath(paths)}: ${e.message}`, "check the .rekindle directory")
      )
    )
  return contents.events.flatMap((e) => {
    const c = e.kind === "log" ? asChunk(e.data) : undefined
    return c === undefined ? [] : [c]
  })
})

/** Where each task's sink ends: the `to` of its latest chunk (after a truncation it restarts low). */
export const sinkEnds = (chunks: ReadonlyArray<LogChunk>): Map<string, number> => {
  const ends = new Map<string, number>()
  for (const c of chunks) ends.set(c.task, c.to)
  return ends
}

/**
 * One tailing pass over `taskIds`: read what each log gained, append whole lines to the sink, then
 * save every checkpoint in one state write. `sinkEnd` (from {@link sinkEnds}) guards against the
 * window between the two writes.
 */
export const tailPass = Effect.fn("Logs.tailPass")(function* (
  ctx: Applying,
  taskIds: ReadonlyArray<string>,
  sinkEnd: Map<string, number>
) {
  const tail = yield* LogTail
  const journal = yield* Journal
  const state = yield* ctx.current
  const updates = new Map<string, number>()
  for (const id of taskIds) {
    if (findTask(state, id) === undefined) continue
    const path = ctx.paths.log(id)
    const size = yield* tail.size(path).pipe(Effect.orElseSucceed(() => -1))
    if (size < 0) continue
    const checkpoint = Math.max(state.logCheckpoints[id]?.offset ?? 0, sinkEnd.get(id) ?? 0)
    const start = resumeOffset(checkpoint, size)
    if (start.offset >= size) continue
    const chunk = yield* tail.read(path, start.offset, TAIL_CHUNK).pipe(Effect.option)
    if (chunk._tag === "None") continue
    const split = splitLines(new Uint8Array(0), chunk.value.bytes)
    // A finished task's agent writes no more: its unterminated last line (`printf 'done'`, say) is a
    // line too, or it would wait forever for a newline that never comes.
    const last = FINISHED.has(findTask(state, id)!.status) && split.carry.length > 0 && chunk.value.nextOffset >= size
    const lines = last ? [...split.lines, new TextDecoder().decode(split.carry)] : split.lines
    const to = last ? chunk.value.nextOffset : checkpointAfter(chunk.value.nextOffset, split.carry)
    if (lines.length === 0 || to <= start.offset) continue
    const at = yield* Clock.currentTimeMillis
    yield* journal
      .append(sinkPath(ctx.paths), {
        at,
        key: `log:${id}`,
        phase: "info",
        kind: "log",
        data: { task: id, from: start.offset, to, lines, ...(start.truncated ? { truncated: true } : {}) }
      })
      .pipe(
        Effect.mapError((e) => fail("E_IO", `cannot append to the supervised log: ${e.message}`, "check free space"))
      )
    sinkEnd.set(id, to)
    updates.set(id, to)
  }
  if (updates.size === 0) return 0
  yield* crashPoint("logs:after-sink")
  const now = yield* Clock.currentTimeMillis
  yield* ctx.update((s) => ({
    ...s,
    logCheckpoints: {
      ...s.logCheckpoints,
      ...Object.fromEntries([...updates].map(([id, offset]) => [id, { offset, updatedAt: now }]))
    }
  }))
  return updates.size
})

/**
 * Catch the sink up with every task's log (after a restart: output written while no supervisor ran,
 * by agents that may have finished meanwhile). Repeats passes until nothing is left to read.
 */
export const catchUpLogs = Effect.fn("Logs.catchUp")(function* (ctx: Applying) {
  const sinkEnd = sinkEnds(yield* readSink(ctx.paths))
  const ids = (yield* ctx.current).tasks.map((t) => t.id)
  for (let pass = 0; pass < 10_000; pass++) {
    if ((yield* tailPass(ctx, ids, sinkEnd)) === 0) return
  }
})
