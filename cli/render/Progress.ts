/**
 * Progress text (pure): one line per journal or executor event when stderr is not a terminal, and
 * the state behind the single live status line on a terminal (wave i/n, tasks running / done /
 * failed, the last merge, recovery steps done).
 */
import type { ExecutorEvent } from "../../core/engine/ExecutorSettings.ts"
import type { JournalEvent } from "../../core/ports/Journal.ts"

/** A journal event as one line (`key` loses its batch prefix; info events show their kind). */
export const eventLine = (e: JournalEvent): string => {
  const key = e.key.includes(":") ? e.key.slice(e.key.indexOf(":") + 1) : e.key
  return e.phase === "intent" ? `… ${e.kind} ${key}` : e.phase === "done" ? `✓ ${e.kind} ${key}` : `· ${e.kind}`
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
export interface ProgressState {
  readonly steps: number
  readonly wave: { readonly index: number; readonly of: number } | undefined
  readonly running: ReadonlySet<string>
  readonly done: number
  readonly failed: number
  readonly merge: string | undefined
}

/** Nothing happened yet. */
export const initialProgress: ProgressState = { steps: 0, wave: undefined, running: new Set(), done: 0, failed: 0, merge: undefined }

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
      return { ...s, running, done: s.done + (e.status === "succeeded" ? 1 : 0), failed: s.failed + (e.status === "failed" ? 1 : 0) }
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
