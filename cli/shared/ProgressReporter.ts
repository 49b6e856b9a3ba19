/**
 * Progress of long work (run, resume, restart, repair) on stderr, from two sources the engine has
 * anyway: the batch journal (every recovery step has an intent and a done line) and the wave
 * executor's events. On a terminal: one status line rewritten in place (wave i/n, tasks running /
 * done / failed, merge state); otherwise one plain line per event. Without a poll interval (tests)
 * journal events are printed once the work is done.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import { ExecutorEvents, type ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import { Journal, type JournalEvent } from "../../core/ports/Journal.ts"
import type { Ctx } from "../Root.ts"
import type { Runner } from "./Target.ts"
import {
  eventLine,
  executorLine,
  initialProgress,
  onExecutor,
  onJournal,
  statusLine,
  type ProgressState
} from "../render/Progress.ts"

const readEvents = (path: string) =>
  Effect.gen(function* () {
    const journal = yield* Journal
    const contents = yield* journal.read(path).pipe(Effect.option)
    return contents._tag === "Some" ? contents.value.events : []
  })

/**
 * Run `work`, reporting the journal events it appends to `journalPath` (read over `run`'s services)
 * and the executor events it emits. Journal lines already there before the work are not repeated.
 */
export const withProgress = <A, E>(
  ctx: Ctx,
  run: Runner,
  journalPath: string | undefined,
  label: string,
  work: Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.gen(function* () {
    const live = ctx.env.stderrIsTTY
    let state: ProgressState = initialProgress
    let shown = false
    const line = (text: string): Effect.Effect<void> =>
      live
        ? Effect.sync(() => void (shown = true)).pipe(
            Effect.andThen(ctx.env.writeStderr(`\r\u001b[K${ctx.err.dim(statusLine(label, state))}`))
          )
        : Console.error(text)
    const start =
      journalPath === undefined ? 0 : (yield* run(readEvents(journalPath)).pipe(Effect.orElseSucceed(() => []))).length
    let printed = start
    const fromJournal = (all: ReadonlyArray<JournalEvent>) =>
      Effect.forEach(
        all.slice(printed),
        (e) => {
          printed++
          state = onJournal(state, e)
          return line(eventLine(e))
        },
        { discard: true }
      )
    const tick = journalPath === undefined ? Effect.void : Effect.flatMap(readEvents(journalPath), fromJournal)
    // Chain to a sink installed around this (the background supervisor's readiness signal).
    const outer = yield* ExecutorEvents
    const sink = (e: ExecutorEvent): Effect.Effect<void> =>
      Effect.andThen(
        outer(e),
        Effect.suspend(() => {
          state = onExecutor(state, e)
          return line(executorLine(e))
        })
      )
    const interval = ctx.env.progressIntervalMs
    const poller =
      interval === undefined || journalPath === undefined
        ? undefined
        : yield* Effect.forkChild(run(Effect.repeat(tick, Schedule.spaced(interval))).pipe(Effect.ignore))
    const finish = Effect.gen(function* () {
      if (poller !== undefined) yield* Fiber.interrupt(poller)
      yield* run(tick).pipe(Effect.ignore)
      // Leave the last status on screen, ended with a newline, so what follows starts clean.
      if (live && shown) yield* ctx.env.writeStderr(`\r\u001b[K${ctx.err.dim(statusLine(label, state))}\n`)
    })
    return yield* work.pipe(Effect.provideService(ExecutorEvents, sink), Effect.ensuring(finish))
  })
