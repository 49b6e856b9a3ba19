/**
 * `rekindle import` for people: the batch as rekindle will see it (target branch, waves, one row per
 * task with its lane, session, worktree and done markers), the merges it inherits, and whether it was
 * saved. Pure.
 */
import type { ImportOutput } from "./Shapes.ts"
import { type Style, tone } from "./Style.ts"
import { plural, table } from "./Table.ts"

const cell = (v: string | number | null): string => (v === null ? "-" : String(v))

/** The lines `rekindle import` prints. */
export const renderImport = (style: Style, r: ImportOutput): ReadonlyArray<string> => {
  const from = r.importedFrom as { readonly path?: unknown; readonly baseBranch?: unknown } | null
  const lines = [
    `${r.source} batch ${r.batchId} (${tone(style, r.phase)}), ${plural(r.waves.length, "wave")}, ${plural(r.tasks.length, "task")}${typeof from?.path === "string" ? ` from ${from.path}` : ""}`,
    r.mergePolicy !== "rekindle"
      ? `merges: none by rekindle (merge policy ${r.mergePolicy}: ${r.mergePolicy === "host" ? `${r.source} merges its own work` : "nothing is merged"})`
      : `merges into ${r.baseBranch}${typeof from?.baseBranch === "string" && from.baseBranch !== r.baseBranch && from.baseBranch !== "" ? ` (the batch's base branch ${from.baseBranch} is left to ${r.source})` : ""}`,
    ...table(
      style,
      ["TASK", "WAVE", "STATUS", "LANE", "SESSION", "WORKTREE", "DONE MARKER"],
      r.tasks.map((t) => [
        t.id,
        cell(t.wave),
        tone(style, t.status),
        cell(t.lane),
        t.agentPid === null ? cell(t.session) : `pid ${t.agentPid}`,
        cell(t.worktree),
        t.doneMarkers.length === 0
          ? "-"
          : `${t.doneMarkers[0]}${t.doneMarkers.length > 1 ? ` (+${t.doneMarkers.length - 1})` : ""}`
      ])
    )
  ]
  for (const m of r.merges)
    lines.push(
      `merge of wave ${m.wave + 1}${m.lane === null ? "" : ` ${m.lane}`}: ${m.status}${m.reason === null ? "" : ` (${m.reason})`}`
    )
  for (const e of r.errors) lines.push(style.dim(`note: ${e}`))
  lines.push(
    r.saved === null
      ? style.dim("dry run: nothing written; run without --dry-run to save it")
      : `saved as ${r.saved}; next: \`rekindle plan ${r.batchId}\`, then \`rekindle resume ${r.batchId}\``
  )
  return lines
}
