/**
 * Progress of long work (run, resume, restart, repair) on stderr, from two sources the engine has
 * anyway: the batch journal (every recovery step has an intent and a done line) and the wave
 * executor's events. On a terminal: one status line rewritten in place (wave i/n, tasks running /
 * done / failed, the last merge, recovery steps done); otherwise one plain line per event. Without a
 * poll interval (tests) journal events are printed once the work is done.
 *
 * The first half is pure text (what a line says, the state behind the status line); the second,
 * `withProgress`, wires it to the journal and the executor events.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import { ExecutorEvents, type ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import { Journal, type JournalEvent } from "../../core/ports/Journal.ts"
import type { Ctx } from "../Root.ts"
import type { Runner } from "./Target.ts"

/** A journal event as one line (`key` loses its batch prefix; info events show their kind). */
export const eventLine = (e: JournalEvent): string => {
  const key = e.key.includes(":") ? e.key.slice(e.key.indexOf(":") + 1) : e.key
  const words = sentence(e, key)
  if (words !== undefined)
    return e.phase === "intent" ? `… ${words[0]}` : e.phase === "done" ? `✓ ${words[1]}` : `· ${words[1]}`
  // A kind without words of its own: the journal's terms (what --json and the logs keep).
  return e.phase === "intent" ? `… ${e.kind} ${key}` : e.phase === "done" ? `✓ ${e.kind} ${key}` : `· ${e.kind}`
}

/** The fields of an event's data, when it is an object. */
const field = (e: JournalEvent, name: string): unknown =>
  typeof e.data === "object" && e.data !== null && Object.hasOwn(e.data, name)
    ? (e.data as Record<string, unknown>)[name]
    : undefined

/**
 * `[while doing, done]` in plain words for the journal kinds a person sees while a plan runs; the
 * journal's own keys (`merge:0:ui:0`, `stop:rk-…:1`) stay in `--json` and the log files.
 */
const sentence = (e: JournalEvent, key: string): readonly [string, string] | undefined => {
  const parts = key.split(":")
  switch (e.kind) {
    case "merge": {
      const wave = field(e, "wave")
      const where = `wave ${typeof wave === "number" ? wave + 1 : "?"} lane ${String(field(e, "lane") ?? "?")}`
      return [`merging ${where}`, `merged ${where}`]
    }
    case "stop-session":
      return [
        `stopping session ${String(field(e, "session") ?? parts[1])}`,
        `stopped session ${String(field(e, "session") ?? parts[1])}`
      ]
    case "snapshot-wip":
      return [
        `saving the worktree of ${parts[1]} (snapshot)`,
        `saved the worktree of ${parts[1]} under refs/rekindle/wip/${parts[1]}/`
      ]
    case "relaunch": {
      const how = field(e, "mode") === "resume" ? "resuming its conversation" : "fresh"
      return [
        `relaunching ${parts[1]} (attempt ${parts[2]}, ${how})`,
        `relaunched ${parts[1]} (attempt ${parts[2]}, ${how})`
      ]
    }
    case "remove-worktree":
      return [`removing worktree ${parts.slice(1).join(":")}`, `removed worktree ${parts.slice(1).join(":")}`]
    case "delete-branch":
      return [`deleting branch ${parts.slice(1).join(":")}`, `deleted branch ${parts.slice(1).join(":")}`]
    case "ContinueFromWave": {
      const wave = field(e, "wave")
      const text = `continuing from wave ${typeof wave === "number" ? wave + 1 : "?"}`
      return [text, text]
    }
    case "Hold":
    case "Report": {
      const task = field(e, "taskId")
      const text = `${typeof task === "string" ? `${task}: ` : ""}${String(field(e, "reason") ?? "")}`
      return [text, text]
    }
    case "resume_attach":
    case "resume_create":
    case "resume_restart":
    case "resume_failed": {
      const text = `resume: ${String(field(e, "message") ?? field(e, "reason") ?? e.kind)}`
      return [text, text]
    }
    default:
      return undefined
  }
}

/** An executor event as one line. */
export const executorLine = (e: ExecutorEvent): string => {
  switch (e._tag) {
    case "WaveStarted":
      return `wave ${e.wave + 1}/${e.waves} started: ${e.tasks.join(", ")}`
    case "TaskLaunched":
      return `${e.taskId}: launched (attempt ${e.attempt}) in ${e.session}`
    case "WaveRunning":
      return `wave ${e.wave + 1} running: ${e.running.length === 0 ? "no task" : e.running.join(", ")}`
    case "TaskChanged":
      return `${e.taskId}: ${e.status}${e.reason === "" ? "" : ` — ${e.reason}`}`
    case "Merged":
      return `merge of wave ${e.wave + 1} lane ${e.lane}: ${e.status}${e.reason === undefined ? "" : ` — ${e.reason}`}`
    case "BatchEnded":
      return `batch ${e.phase}${e.reason === "" ? "" : ` — ${e.reason}`}`
  }
}

/** What the live status line shows. */
interface ProgressState {
  readonly steps: number
  readonly wave: { readonly index: number; readonly of: number } | undefined
  readonly running: ReadonlySet<string>
  readonly done: number
  readonly failed: number
  readonly merge: string | undefined
}

/** Nothing happened yet. */
export const initialProgress: ProgressState = {
  steps: 0,
  wave: undefined,
  running: new Set(),
  done: 0,
  failed: 0,
  merge: undefined
}

/** Fold a journal event in (a done line is one recovery step done). */
export const onJournal = (s: ProgressState, e: JournalEvent): ProgressState =>
  e.phase === "done" ? { ...s, steps: s.steps + 1 } : s

/** Fold an executor event in. */
export const onExecutor = (s: ProgressState, e: ExecutorEvent): ProgressState => {
  const running = new Set(s.running)
  switch (e._tag) {
    case "WaveStarted":
      return { ...s, wave: { index: e.wave, of: e.waves } }
    case "TaskLaunched":
      running.add(e.taskId)
      return { ...s, running }
    case "WaveRunning":
      return s
    case "TaskChanged": {
      if (e.status === "running") running.add(e.taskId)
      else running.delete(e.taskId)
      return {
        ...s,
        running,
        done: s.done + (e.status === "succeeded" ? 1 : 0),
        failed: s.failed + (e.status === "failed" ? 1 : 0)
      }
    }
    case "Merged":
      return { ...s, merge: `wave ${e.wave + 1} ${e.status}` }
    case "BatchEnded":
      return { ...s, running: new Set() }
  }
}

/** The live status line. */
export const statusLine = (label: string, s: ProgressState): string => {
  const parts = [label]
  if (s.steps > 0) parts.push(`${s.steps} journaled step(s) done`)
  if (s.wave !== undefined) {
    parts.push(`wave ${s.wave.index + 1}/${s.wave.of}`, `${s.running.size} running, ${s.done} done, ${s.failed} failed`)
  }
  if (s.merge !== undefined) parts.push(`merge: ${s.merge}`)
  return parts.join(" · ")
}

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
