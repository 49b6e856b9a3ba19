/**
 * Progress text (pure): one line per journal or executor event when stderr is not a terminal, and
 * the state behind the single live status line on a terminal (wave i/n, tasks running / done /
 * failed, the last merge, recovery steps done).
 */
import type { ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import type { JournalEvent } from "../../core/ports/Journal.ts"

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
export interface ProgressState {
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
