/**
 * Faults a user makes by hand while a batch is crashed (real tmux + git): the supervisor SIGKILLed
 * and the tmux server killed while `b` runs with committed and uncommitted work (as a reboot leaves
 * it), then `b`'s worktree deleted (rm -rf) or its branch deleted, then `rekindle resume`.
 *
 * Expected outcomes:
 * - worktree deleted: README row 8 — `b` is marked failed with the reason (no agent is launched in
 *   a missing directory), `c` is blocked, `a` is merged, the batch pauses; `b`'s branch and its
 *   commits are kept (the uncommitted file went with the user's rm -rf).
 * - branch deleted (forced: `git branch -D` refuses a checked-out branch, `update-ref -d` does not):
 *   no agent is relaunched on a worktree whose HEAD names a missing branch (its next commit would
 *   start an unrelated history); resume stops with a stable error code saying so, the work stays
 *   in the worktree and a WIP snapshot; once the user restores the branch, resume ends the batch
 *   as an uninterrupted run would.
 */
import * as fs from "node:fs"
import type { Row } from "../Report.ts"
import { E2E } from "../../support/e2e.ts"
import { git, pidAlive, pollUntil, tmux } from "../../support/real.ts"
import { CLEAN_NAMES, resumeNow, sameNames, whenAThenB, writeBatch } from "./Batch.ts"
import { judge, runCase } from "./Tally.ts"
import { extraStarts, lostOf, plantWork, type Planted } from "./Work.ts"

/** Run the batch in a supervisor process, plant work in `b`, then SIGKILL it and kill the tmux server. */
const crashWithWork = async (e: E2E): Promise<Planted> => {
  writeBatch(e)
  const sup = e.supervisor()
  await whenAThenB(e)
  const planted = plantWork(e, "b")
  await sup.kill9()
  tmux(e.socket, "kill-server")
  const pid = e.taskState("b").agentProcess?.pid
  if (pid !== undefined) await pollUntil("b's agent to die with its server", () => (pidAlive(pid) ? undefined : true), 10_000)
  return planted
}

/** `rm -rf` of b's worktree while the batch is crashed, then resume. */
export const worktreeDeleted = (n: number): Promise<Row> =>
  runCase("worktree directory deleted by hand, then resume", n, async () => {
    const e = new E2E()
    try {
      const planted = await crashWithWork(e)
      fs.rmSync(planted.worktree, { recursive: true, force: true })
      const r = await resumeNow(e)
      const b = e.taskState("b")
      const lost = lostOf(e.repo, planted, { worktree: true })
      const starts = extraStarts(e)
      return judge(`resume ${r.said}: b ${b.status} (${b.exitReason}), c ${e.status("c")}, batch ${r.phase}; b's branch kept`, [
        ["wrongOutcome", r.ok, `resume failed: ${r.message}`],
        ["wrongOutcome", b.status === "failed" && /missing/.test(b.exitReason ?? ""), `b ${b.status} (${b.exitReason})`],
        ["wrongOutcome", e.status("c") === "blocked" && r.phase === "paused", `c ${e.status("c")}, batch ${r.phase}`],
        ["wrongOutcome", e.status("a") === "succeeded" && sameNames(e.names(), ["README.md", "a.txt"]), `main holds ${e.names().join(" ")}`],
        ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
        ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
      ])
    } finally {
      await e.cleanup()
    }
  })

/** The task branch deleted (`update-ref -d`) while the batch is crashed; resume; restore it; resume. */
export const branchDeleted = (n: number): Promise<Row> =>
  runCase("task branch deleted by hand, then resume", n, async () => {
    const e = new E2E()
    try {
      const planted = await crashWithWork(e)
      const branch = e.taskState("b").branch!
      git(e.repo, "update-ref", "-d", `refs/heads/${branch}`)
      const first = await resumeNow(e)
      const mainAfterFirst = e.names()
      const startsAfterFirst = extraStarts(e).starts
      const keptMeanwhile = lostOf(e.repo, planted, { branch: true })
      // The user restores the branch where it was, and resumes again.
      git(e.repo, "update-ref", `refs/heads/${branch}`, planted.commit)
      const second = await resumeNow(e)
      const b = e.taskState("b")
      const lost = lostOf(e.repo, planted)
      const starts = extraStarts(e, { b: 2 })
      return judge(`resume ${first.said} (b not relaunched: ${startsAfterFirst}); branch restored, resume ${second.said}: batch ${second.phase}, b attempt ${b.attempts}`, [
        ["wrongOutcome", !first.ok && /^E_[A-Z_]+$/.test(first.said) && first.message.includes(branch), `first resume: ${first.said} ${first.message}`],
        ["wrongOutcome", !/b×2/.test(startsAfterFirst), `b was relaunched on a missing branch (${startsAfterFirst})`],
        ["wrongOutcome", sameNames(mainAfterFirst, ["README.md"]) || sameNames(mainAfterFirst, ["README.md", "a.txt"]), `main after the first resume: ${mainAfterFirst.join(" ")}`],
        ["lost", keptMeanwhile.lost === 0, `lost while the branch was gone: ${keptMeanwhile.what.join(", ")}`],
        ["wrongOutcome", second.ok && second.phase === "completed", `second resume: ${second.said}, ${second.phase} ${second.message}`],
        ["wrongOutcome", sameNames(e.names(), [...CLEAN_NAMES, ...planted.files.map((f) => f.name)]), `main holds ${e.names().join(" ")}`],
        ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
        ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
      ])
    } finally {
      await e.cleanup()
    }
  })
