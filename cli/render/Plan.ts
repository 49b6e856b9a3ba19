/**
 * `rekindle plan` for people: whether the batch can be resumed, one row per task (action, age,
 * reason), the ordered steps, and a summary line (how many of each action, where the batch
 * continues). Pure.
 */
import { Action } from "../../core/domain/Decision.ts"
import type { PlanReport } from "../../core/engine/usecases/Plan.ts"
import { stepLines } from "./Steps.ts"
import { type Style, tone } from "./Style.ts"
import { age, counts, table } from "./Table.ts"

/** Where the batch continues, as one phrase. */
const resumePhrase = (r: PlanReport): string => {
  const rp = r.resumePoint
  const parts: Array<string> = []
  if (rp.mergeRetryWaves.length > 0)
    parts.push(`retry merge of wave ${rp.mergeRetryWaves.map((w) => w + 1).join(", ")}`)
  parts.push(
    rp.resumeWave === undefined
      ? "every wave's tasks are done"
      : `continue at wave ${rp.resumeWave + 1} of ${r.state.waves.length}`
  )
  return parts.join("; ")
}

/** The whole `plan` output. */
export const renderPlan = (style: Style, r: PlanReport, source: "live" | "snapshot"): ReadonlyArray<string> => {
  const s = r.state
  const eligible =
    r.eligibility._tag === "Eligible"
      ? style.green(r.eligibility.forced ? "resumable (forced)" : "resumable")
      : style.red(`not resumable: ${r.eligibility.reason}`)
  const from = source === "snapshot" ? style.dim(" (from a saved signals snapshot)") : ""
  const lines: Array<string> = [
    `${style.bold(`plan for batch ${s.batchId}`)} · ${tone(style, s.phase)} · ${eligible}${from}`
  ]
  if (r.eligibility._tag === "Ineligible") lines.push(style.dim(`hint: ${r.eligibility.hint}`))
  const byId = new Map(s.tasks.map((t) => [t.id, t]))
  const rows = r.decisions.map((d) => {
    const t = byId.get(d.taskId)
    const started = t?.startedAt
    return [
      d.taskId,
      tone(style, d.action),
      age(started === undefined ? undefined : (t?.endedAt ?? r.signals.observedAt) - started),
      d.reason
    ]
  })
  lines.push(...table(style, ["TASK", "ACTION", "AGE", "REASON"], rows))
  // A live agent waiting at a screen that blocks work: reconnected, and still waiting for a person.
  for (const w of r.waiting ?? [])
    lines.push(
      `${w.taskId} is ${style.yellow("waiting")}, stopped at ${w.screen}: ${w.how} (rekindle attach ${w.taskId} to answer it):`,
      ...w.lines.map((l) => `  │ ${l}`)
    )
  lines.push("")
  if (r.plan.steps.length === 0) lines.push("steps: none")
  else lines.push("steps:", ...stepLines(style, r.plan.steps))
  if (r.configChanges !== undefined) lines.push("agent config:", ...r.configChanges.map((c) => `  ${c}`))
  const n: Record<string, number> = {}
  for (const d of r.decisions) n[d.action] = (n[d.action] ?? 0) + 1
  lines.push(`summary: ${counts(Action.literals, n, (w) => tone(style, w))} · ${resumePhrase(r)}`)
  return lines
}
