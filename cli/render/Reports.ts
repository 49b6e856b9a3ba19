/**
 * Human output of the commands that act: resume/restart, repair, abort, doctor, errors, and the
 * progress line for one journal event. Pure.
 */
import type { RepairReport } from "../../core/engine/usecases/Repair.ts"
import type { ResumeResult } from "../../core/engine/usecases/Resume.ts"
import type { AbortOutput, RequestOutput, CleanOutput, DetachedOutput, DoctorOutput, RunOutput } from "./Shapes.ts"
import { stepLines } from "./Steps.ts"
import { padEnd, type Style, tone } from "./Style.ts"
import { plural } from "./Table.ts"

/** `resume` / `restart` result. */
export const renderResume = (style: Style, r: ResumeResult): ReadonlyArray<string> => [
  `${style.bold(`batch ${r.state.batchId}`)}: ${r.outcome.replace("resume_", "")} · ${r.message} · now ${tone(style, r.state.phase)}`,
  ...(r.recovered > 0 ? [`recovered ${plural(r.recovered, "interrupted step")} that had already landed`] : []),
  ...(r.journalTornTail ? [style.yellow("the journal's last line was torn by a crash mid-write and was ignored")] : []),
  ...(r.applied.length === 0 ? [] : ["applied:", ...stepLines(style, r.applied)])
]

/** `repair` result (dry run or done). */
export const renderRepair = (style: Style, r: RepairReport, applied: boolean): ReadonlyArray<string> => {
  const scope = r.batches.length === 0 ? "no batch state" : `batch ${r.batches.join(", ")}`
  if (r.orphans.length === 0) return [`${style.bold("repair")} (${scope}): nothing to repair`]
  const lines = [`${style.bold("repair")} (${scope}): ${plural(r.orphans.length, "finding")}`]
  for (const o of r.orphans) lines.push(`  ${style.yellow(o.kind)} ${o.name} — ${o.reason}`)
  if (r.steps.length > 0) {
    lines.push(
      r.dryRun ? "would do (dry run, nothing changed):" : applied ? "did:" : "steps:",
      ...stepLines(style, r.steps)
    )
  }
  if (r.dryRun && r.steps.length > 0)
    lines.push(style.dim("run `rekindle repair` without --dry-run to carry these out"))
  return lines
}

/** `clean` result (or preview). */
export const renderClean = (style: Style, r: CleanOutput): ReadonlyArray<string> => [
  `${style.bold(`clean batch ${r.batchId}`)}: ${r.dryRun ? "would do (dry run, nothing changed):" : "did:"}`,
  ...stepLines(style, r.steps),
  r.archivedTo === null
    ? style.dim("run `rekindle clean` without --dry-run to carry these out")
    : `state, journal and logs moved to ${r.archivedTo}; the batch is no longer listed`
]

/** `abort` result. */
export const renderAbort = (style: Style, r: AbortOutput): ReadonlyArray<string> => [
  `${style.bold(`batch ${r.batchId}`)} ${r.hard ? "hard-" : ""}aborted: ${r.stopped.length === 0 ? "no live session to stop" : `stopped ${r.stopped.join(", ")}`}`,
  style.dim("worktrees, branches and state are kept")
]

/** A control request as it ended (`pause`, `continue`, `send`; `abort` and `restart` under a supervisor). */
export const renderRequest = (style: Style, r: RequestOutput): ReadonlyArray<string> => [
  `${style.bold(`batch ${r.batchId}`)} ${r.request.action}${r.request.taskId === undefined ? "" : ` ${r.request.taskId}`}: ${r.request.outcome ?? r.request.status}${r.supervisor === null ? "" : style.dim(` (by the supervisor, pid ${r.supervisor.pid})`)}`
]

/** `doctor` result. */
export const renderDoctor = (style: Style, d: DoctorOutput): ReadonlyArray<string> => [
  ...d.checks.map((c) => `${padEnd(tone(style, c.status), 4)} ${c.name}: ${c.detail}`),
  d.ok ? style.green("doctor: all required checks passed") : style.red("doctor: some required checks failed")
]

/** An error: one line, then the hint. */
export const renderError = (
  style: Style,
  e: { readonly code: string; readonly message: string; readonly hint: string }
): ReadonlyArray<string> => [
  `${style.red(style.bold("error"))}${style.dim(`[${e.code}]`)}: ${e.message}`,
  `${style.dim("hint:")} ${e.hint}`
]

/** A background supervisor was started. */
export const renderDetached = (style: Style, d: DetachedOutput): ReadonlyArray<string> =>
  d.running
    ? [
        `${style.bold(`batch ${d.batchId}`)}: supervisor pid ${d.supervisor.pid} runs it in the background (log: ${d.supervisor.log})`,
        style.dim("follow with `rekindle status`; look at a task with `rekindle attach <task>`")
      ]
    : [
        `${style.bold(`batch ${d.batchId}`)}: done before it needed a supervisor · now ${tone(style, d.phase ?? "unknown")}`
      ]

/** A foreground `run` ended. */
export const renderRun = (style: Style, r: RunOutput): ReadonlyArray<string> => [
  `${style.bold(`batch ${r.batchId}`)} ${tone(style, r.phase)}: ${r.tasks.map((t) => `${t.id} ${tone(style, t.status)}`).join(", ")}`
]
