/**
 * `rekindle observe` for people: a short account of what one observation pass saw (tmux, the process
 * table, worktrees, done markers, transcripts). The full snapshot is `observe --json`. Pure.
 */
import { parseOwnershipTag } from "../../core/domain/Naming.ts"
import type { Signals } from "../../core/domain/Signals.ts"
import type { BatchState } from "../../core/domain/State.ts"
import type { Style } from "./Style.ts"
import { plural } from "./Table.ts"

const tmuxLine = (s: Signals, batchId: string): string => {
  switch (s.tmux.state) {
    case "up": {
      const ours = s.tmux.panes.filter(
        (p) => p.taskTag !== undefined && parseOwnershipTag(p.taskTag)?.batchId === batchId
      )
      return `tmux: up, ${plural(s.tmux.panes.length, "pane")} (${ours.length} tagged for this batch, ${ours.filter((p) => p.dead).length} dead)`
    }
    case "no-server":
      return "tmux: no server running (every session is gone)"
    case "unknown":
      return `tmux: UNKNOWN (${s.tmux.reason}) — nothing can be concluded dead`
  }
}

/** The whole `observe` output. */
export const renderSignals = (style: Style, state: BatchState, s: Signals): ReadonlyArray<string> => {
  const paths = state.tasks.flatMap((t) =>
    t.worktree === undefined ? [] : [`${t.id} ${s.paths[t.worktree] ?? "unchecked"}`]
  )
  const markers = Object.entries(s.markers).map(([id, m]) => `${id} ${m.valid ? (m.status ?? "done") : "invalid"}`)
  const transcripts = Object.entries(s.transcripts).map(([id, ok]) => `${id} ${ok ? "valid" : "invalid"}`)
  return [
    `${style.bold(`signals for batch ${state.batchId}`)} observed ${new Date(s.observedAt).toISOString()} on ${s.host}`,
    tmuxLine(s, state.batchId),
    s.processes.state === "known"
      ? `processes: ${s.processes.processes.length} of this batch (its panes, their children, its recorded agents)`
      : `processes: UNKNOWN (${s.processes.reason})`,
    `worktrees: ${s.worktrees.length} listed by git; task paths: ${paths.length === 0 ? "none" : paths.join(", ")}`,
    `done markers: ${markers.length === 0 ? "none" : markers.join(", ")}`,
    `transcripts: ${transcripts.length === 0 ? "none" : transcripts.join(", ")}`,
    style.dim("save: `rekindle observe --json > signals.json`; replay: `rekindle plan --signals signals.json`")
  ]
}
