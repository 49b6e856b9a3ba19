/**
 * `rekindle list` for people: one row per batch (id, phase, age, tasks by status, supervisor) and
 * the batches whose state cannot be read. Pure.
 */
import type { ListReport } from "../../core/engine/usecases/List.ts"
import { TaskStatus } from "../../core/domain/State.ts"
import { type Style, tone } from "./Style.ts"
import { age, counts, table } from "./Table.ts"

const supervisorCell = (b: ListReport["batches"][number]): string => {
  if (b.supervisor === undefined) return "none"
  const { owner, liveness } = b.supervisor
  const state = liveness === "alive" ? "alive" : liveness === "unknown" ? "unknown" : "dead"
  return `pid ${owner.pid} on ${owner.host} (${state})`
}

/** The lines `rekindle list` prints. */
export const renderList = (style: Style, r: ListReport): ReadonlyArray<string> => {
  if (r.batches.length === 0 && r.unreadable.length === 0)
    return ["no batch in this repository; start one with `rekindle run <manifest>`"]
  const rows = r.batches.map((b) => [
    b.batchId,
    tone(style, b.phase),
    age(r.observedAt - b.updatedAt),
    supervisorCell(b),
    counts(TaskStatus.literals, b.counts, (w) => tone(style, w))
  ])
  const lines = [...table(style, ["BATCH", "PHASE", "UPDATED", "SUPERVISOR", "TASKS"], rows)]
  for (const u of r.unreadable) lines.push(`${u.batchId}: unreadable (${u.code}: ${u.message})`)
  const n = r.batches.length + r.unreadable.length
  lines.push(style.dim(`${n} batch${n === 1 ? "" : "es"}`))
  return lines
}
