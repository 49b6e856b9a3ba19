/**
 * Issue 8, fault campaign item 2 — the fault list, each fault a counted row (group "faults"):
 * real tmux + git + the fake agent for the tmux server killed mid-wave (and an agent deaf to SIGHUP
 * outliving it), a pane killed, an agent
 * exiting non-zero, an agent hanging, a done marker written while the agent runs, a worktree or a
 * task branch deleted by hand, a stale git index.lock in the repo or a worktree; the fault-injecting
 * FileSystem for disk full / permission denied on state save and torn state writes; the real disk
 * for a torn journal tail. Counts per row: `ok`, and the violations `lost` (work gone without a
 * snapshot), `twice` (an agent started more often than the fault implies), `stateBad` (state does
 * not load, or rolled back past the last good save), `wrongOutcome`, `errors` (an iteration threw).
 * Every resource (temp repos, private tmux servers, child processes) is removed in a `finally`.
 */
import type { Campaign, Row, Scale } from "./Report.ts"
import { agentOutlivesServer, branchDeleted, worktreeDeleted } from "./faults/Crashed.ts"
import { tornJournalTail } from "./faults/JournalTail.ts"
import { markerWhileRunning, repoIndexLock, worktreeIndexLock } from "./faults/Leftovers.ts"
import { agentHangs, nonZeroExit, paneKilled, serverKilled } from "./faults/Live.ts"
import { ioFaults, tornStateWrites } from "./faults/Store.ts"
import { realRuns } from "./faults/Tally.ts"

/** Run `jobs` with at most `width` at once, results in job order (each job counts its own failures). */
const pool = async <A>(width: number, jobs: ReadonlyArray<() => Promise<A>>): Promise<ReadonlyArray<A>> => {
  const out: Array<A> = []
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await jobs[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker))
  return out
}

/**
 * The fault list at `scale`: real cases `realRuns(scale)` times each, two cases at a time (each has
 * its own temp repo and private tmux server; they mostly wait on agents), then the store cases.
 */
const runAll = async (scale: Scale): Promise<ReadonlyArray<Row>> => {
  const n = realRuns(scale)
  const real = await pool(
    2,
    [
      serverKilled,
      agentOutlivesServer,
      paneKilled,
      nonZeroExit,
      agentHangs,
      markerWhileRunning,
      worktreeDeleted,
      branchDeleted,
      repoIndexLock,
      worktreeIndexLock
    ].map((c) => () => c(n))
  )
  return [...real, ...(await ioFaults()), ...(await tornStateWrites(scale)), await tornJournalTail(scale)]
}

/** The fault campaign. */
export const campaign: Campaign = { name: "faults", run: runAll }
