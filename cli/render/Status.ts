/**
 * `rekindle status` for people: a header (batch, phase, base branch, supervisor), one row per task
 * (wave, status, session and agent liveness, age, last output, attempts, exit reason) and a summary
 * line. Pure.
 */
import type { StatusReport } from "../../core/engine/usecases/Status.ts"
import { ShownStatus } from "../../core/domain/ShownStatus.ts"
import { type Style, tone } from "./Style.ts"
import { age, counts, plural, table } from "./Table.ts"

/** The supervisor as one phrase. */
const leasePhrase = (r: StatusReport): string => {
  if (r.lease === undefined) return "no supervisor"
  const who = `supervisor pid ${r.lease.owner.pid} on ${r.lease.owner.host}`
  const renewed = `renewed ${age(r.observedAt - r.lease.renewedAt)} ago`
  switch (r.supervisor) {
    case "alive":
      return `${who} (alive, ${renewed})`
    case "dead":
    case "pid-reused":
      return `${who} is dead — \`rekindle resume\` takes over`
    default:
      return `${who} (liveness unknown: another host or no process table; ${renewed})`
  }
}

/** The whole `status` output. */
export const renderStatus = (style: Style, r: StatusReport): ReadonlyArray<string> => {
  const phase = r.launchingPaused === true ? `${tone(style, r.phase)} (launching paused)` : tone(style, r.phase)
  const header = `${style.bold(`batch ${r.batchId}`)} · ${phase} · base ${r.baseBranch} · ${plural(r.waves, "wave")} · ${leasePhrase(r)}`
  const rows = r.tasks.map((t) => [
    t.id,
    t.wave === undefined ? "-" : String(t.wave + 1),
    tone(style, t.status),
    tone(style, t.session),
    tone(style, t.agent),
    age(t.ageMs),
    age(t.lastOutputAgoMs),
    String(t.attempts),
    t.screen === undefined ? (t.exitReason ?? "") : `stopped at ${t.screen.screen}: ${t.screen.how}`
  ])
  // A task waiting at a screen: what its pane shows, so the reader sees the question without attaching.
  const screens = r.tasks.flatMap((t) =>
    t.screen === undefined
      ? []
      : [
          `${t.id} waits at this screen (rekindle attach ${t.id} to answer it):`,
          ...t.screen.lines.map((l) => `  │ ${l}`)
        ]
  )
  const summary = `${plural(r.tasks.length, "task")}: ${counts(ShownStatus.literals, r.counts, (w) => tone(style, w))}`
  // What the supervisor has been asked and not yet done: the reader should not ask again.
  const open = (r.openRequests ?? []).map((q) => `request ${q.action} (${q.id}) waits for the supervisor`)
  const paused =
    r.launchingPaused === true
      ? ["launching is paused: running agents go on; `rekindle continue` resumes launching"]
      : []
  return [
    header,
    ...table(style, ["TASK", "WAVE", "STATUS", "SESSION", "AGENT", "AGE", "OUTPUT", "TRIES", "NOTE"], rows),
    ...screens,
    summary,
    ...paused,
    ...open
  ]
}
