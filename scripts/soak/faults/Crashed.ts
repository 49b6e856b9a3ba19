/**
 * Faults a user makes by hand while a batch is crashed (real tmux + git): the supervisor SIGKILLed
 * and the tmux server killed while `b` runs with committed and uncommitted work (as a reboot leaves
 * it), then `b`'s worktree deleted (rm -rf) or its branch deleted, then `rekindle resume`.
 *
 * Expected outcomes:
 * - worktree deleted: README row 8 — `b` is marked failed with the reason (no agent is launched in
 *   a missing directory), `c` is blocked, `a` is merged, the batch pauses; `b`'s branch and its
 *   commits are kept (the uncommitted file went with the user's rm -rf).
 * - server killed, agent deaf to SIGHUP: it lives on outside tmux, so resume holds the task (never
 *   a second agent next to it); `restart b` stops it (TERM, grace, KILL) before relaunching — one
 *   live agent for b at any time.
 * - branch deleted (forced: `git branch -D` refuses a checked-out branch, `update-ref -d` does not):
 *   no agent is relaunched on a worktree whose HEAD names a missing branch (its next commit would
 *   start an unrelated history); resume stops with a stable error code saying so, the work stays
 *   in the worktree and a WIP snapshot; once the user restores the branch, resume ends the batch
 *   as an uninterrupted run would.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { resume } from "../../../core/engine/usecases/Resume.ts"
import type { Row } from "../Report.ts"
import { E2E } from "../../../test/support/real/e2e.ts"
import { pidAlive, pollUntil } from "../../../test/support/real/poll.ts"
import { git } from "../../../test/support/real/repo.ts"
import { tmux } from "../../../test/support/real/socket.ts"
import { CLEAN_NAMES, resumeNow, runExit, sameNames, whenAThenB, writeBatch } from "./Batch.ts"
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
  if (pid !== undefined)
    await pollUntil("b's agent to die with its server", () => (pidAlive(pid) ? undefined : true), 10_000)
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
      return judge(
        `resume ${r.said}: b ${b.status} (${b.exitReason}), c ${e.status("c")}, batch ${r.phase}; b's branch kept`,
        [
          ["wrongOutcome", r.ok, `resume failed: ${r.message}`],
          [
            "wrongOutcome",
            b.status === "failed" && /missing/.test(b.exitReason ?? ""),
            `b ${b.status} (${b.exitReason})`
          ],
          // As the live supervisor under stop-wave: b's failure starts no further wave, c waits (pending).
          ["wrongOutcome", e.status("c") === "pending" && r.phase === "paused", `c ${e.status("c")}, batch ${r.phase}`],
          [
            "wrongOutcome",
            e.status("a") === "succeeded" && sameNames(e.names(), ["README.md", "a.txt"]),
            `main holds ${e.names().join(" ")}`
          ],
          ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
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
      // Recover only: supervising would wait (rightly) for the held agent, which never ends by itself.
      const first = await resumeNow(e, { supervise: false })
      const mainAfterFirst = e.names()
      const startsAfterFirst = extraStarts(e).starts
      const keptMeanwhile = lostOf(e.repo, planted, { branch: true })
      // The user restores the branch where it was, and resumes again.
      git(e.repo, "update-ref", `refs/heads/${branch}`, planted.commit)
      const second = await resumeNow(e)
      const b = e.taskState("b")
      const lost = lostOf(e.repo, planted)
      const starts = extraStarts(e, { b: 2 })
      return judge(
        `resume ${first.said} (b not relaunched: ${startsAfterFirst}); branch restored, resume ${second.said}: batch ${second.phase}, b attempt ${b.attempts}`,
        [
          [
            "wrongOutcome",
            !first.ok && /^E_[A-Z_]+$/.test(first.said) && first.message.includes(branch),
            `first resume: ${first.said} ${first.message}`
          ],
          ["wrongOutcome", !/b×2/.test(startsAfterFirst), `b was relaunched on a missing branch (${startsAfterFirst})`],
          [
            "wrongOutcome",
            sameNames(mainAfterFirst, ["README.md"]) || sameNames(mainAfterFirst, ["README.md", "a.txt"]),
            `main after the first resume: ${mainAfterFirst.join(" ")}`
          ],
          ["lost", keptMeanwhile.lost === 0, `lost while the branch was gone: ${keptMeanwhile.what.join(", ")}`],
          [
            "wrongOutcome",
            second.ok && second.phase === "completed",
            `second resume: ${second.said}, ${second.phase} ${second.message}`
          ],
          [
            "wrongOutcome",
            sameNames(e.names(), [...CLEAN_NAMES, ...planted.files.map((f) => f.name)]),
            `main holds ${e.names().join(" ")}`
          ],
          ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      await e.cleanup()
    }
  })

const STUBBORN_AGENT = nodePath.resolve(import.meta.dirname, "stubborn-agent.ts")

/** Pids of live processes running `script` among the agent starts logged for `taskId`. */
const liveAgents = (e: E2E, taskId: string, script: string): ReadonlyArray<number> =>
  e
    .runs()
    .filter((r) => r.task === taskId)
    .map((r) => r.pid)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(script) && pidAlive(pid)
      } catch {
        return false
      }
    })

/** The server dies under a crashed batch while b's agent ignores SIGHUP; resume, then restart b. */
export const agentOutlivesServer = (n: number): Promise<Row> =>
  runCase("tmux server killed, agent deaf to SIGHUP lives on", n, async () => {
    const e = new E2E()
    try {
      e.manifest(
        [
          e.task("a", "build a [steps:1]"),
          e.task("b", "hang, deaf to SIGHUP", [], { command: [process.execPath, STUBBORN_AGENT] })
        ],
        { maxLanes: 2 }
      )
      const sup = e.supervisor()
      await pollUntil(
        "a done while b runs",
        () =>
          e.status("a") === "succeeded" && e.status("b") === "running" && e.runs().some((r) => r.task === "b")
            ? true
            : undefined,
        60_000
      )
      await sup.kill9()
      tmux(e.socket, "kill-server")
      // Recover only: supervising would wait (rightly) for the held agent, which never ends by itself.
      const first = await resumeNow(e, { supervise: false })
      const held = liveAgents(e, "b", STUBBORN_AGENT)
      const restarted = await runExit(e, resume(e.ref, { restart: "b", supervise: false, graceMs: 1_000 }))
      await pollUntil(
        "the relaunched agent to start",
        () => (e.runs().filter((r) => r.task === "b").length >= 2 ? true : undefined),
        20_000
      ).catch(() => undefined)
      const after = liveAgents(e, "b", STUBBORN_AGENT)
      const b = e.taskState("b")
      return judge(
        `resume ${first.said} (b held: its agent lives outside tmux), restart b: old agent stopped first, attempt ${b.attempts} alone`,
        [
          [
            "wrongOutcome",
            first.ok && b.attempts >= 1 && held.length === 1 && e.runs().filter((r) => r.task === "b").length >= 1,
            `resume ${first.said}, ${held.length} live b agent(s) after it`
          ],
          [
            "twice",
            e.runs().filter((r) => r.task === "b").length <= 2 && held.length <= 1,
            `b started ${e.runs().filter((r) => r.task === "b").length}× before restart ended, ${held.length} live after resume`
          ],
          [
            "wrongOutcome",
            restarted._tag === "Success" && b.attempts === 2,
            `restart: ${restarted._tag}, b attempt ${b.attempts}`
          ],
          [
            "twice",
            after.length === 1 && !after.includes(held[0] ?? -1),
            `live b agents after restart: ${after.join(" ")} (before: ${held.join(" ")})`
          ]
        ]
      )
    } finally {
      // The server's death does not stop this agent: end every one this case started.
      for (const pid of liveAgents(e, "b", STUBBORN_AGENT)) process.kill(pid, "SIGKILL")
      await e.cleanup()
    }
  })
