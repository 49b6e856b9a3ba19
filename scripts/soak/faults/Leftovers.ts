/**
 * Things left behind in the repository while a batch runs (real tmux + git): a stale git
 * `index.lock` in the main checkout or in a task worktree, and a done marker written by an agent
 * that keeps running afterwards.
 *
 * Expected outcomes:
 * - index.lock in the repo: rekindle never deletes a lock it did not take (a git may be running).
 *   The merge into the checked-out base branch is refused with a reason naming the lock, the batch
 *   pauses with every task's work kept; once the user removes the lock, resume retries the merge
 *   (no task runs again) and the batch ends as an uninterrupted run would.
 * - index.lock in a task worktree: the completed batch does not force-remove that worktree (it is
 *   kept and reported, lock untouched); everything else is merged and cleaned.
 * - done marker while the agent runs: README row 1 — the marker completes the task even though the
 *   session is alive. The agent is never killed before its marker says so (nor after: it exits on
 *   its own), the committed work is merged at once, and the design being silent on what the agent
 *   left uncommitted, we hold rekindle to what a user trusting it expects: that file is not lost
 *   (the worktree is kept, not removed under it).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { run } from "../../../core/engine/usecases/Run.ts"
import type { Row } from "../Report.ts"
import { E2E } from "../../../test/support/real/e2e.ts"
import { pidAlive, pollUntil } from "../../../test/support/real/poll.ts"
import { git } from "../../../test/support/real/repo.ts"
import { CLEAN_NAMES, resumeNow, sameNames, watch, writeBatch } from "./Batch.ts"
import { judge, runCase } from "./Tally.ts"
import { extraStarts, lostOf } from "./Work.ts"

const MARKER_AGENT = nodePath.resolve(import.meta.dirname, "marker-agent.ts")

/** A stale `.git/index.lock` in the main checkout from before the run. */
export const repoIndexLock = (n: number): Promise<Row> =>
  runCase("git index.lock left in the repo", n, async () => {
    const e = new E2E()
    try {
      const lock = nodePath.join(e.repo, ".git", "index.lock")
      fs.writeFileSync(lock, "")
      const final = await e.run(run({ repoRoot: e.repo, manifestPath: writeBatch(e, {}, false) }))
      const failedMerge = final.merges.find((m) => m.status !== "succeeded")
      const lockKept = fs.existsSync(lock)
      const namesWhileLocked = e.names()
      fs.rmSync(lock)
      const r = await resumeNow(e)
      const starts = extraStarts(e)
      const refused =
        failedMerge === undefined
          ? "merge not refused"
          : `merge ${failedMerge.status}: ${/index\.lock exists/.test(failedMerge.reason ?? "") ? "index.lock exists" : failedMerge.reason}`
      return judge(
        `${refused}, batch ${final.phase}, lock untouched; lock removed by the user, resume ${r.said}: batch ${r.phase}`,
        [
          [
            "wrongOutcome",
            final.phase === "paused" && failedMerge !== undefined && /index\.lock/.test(failedMerge.reason ?? ""),
            `run ended ${final.phase}, merges ${JSON.stringify(final.merges)}`
          ],
          ["wrongOutcome", lockKept, "rekindle deleted the index.lock"],
          [
            "wrongOutcome",
            sameNames(namesWhileLocked, ["README.md"]),
            `main moved while locked: ${namesWhileLocked.join(" ")}`
          ],
          [
            "wrongOutcome",
            r.ok && r.phase === "completed" && sameNames(e.names(), CLEAN_NAMES),
            `resume ${r.said} ${r.phase}, main ${e.names().join(" ")}`
          ],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      await e.cleanup()
    }
  })

/** A stale `index.lock` in task a's worktree (a git died there) while b still runs. */
export const worktreeIndexLock = (n: number): Promise<Row> =>
  runCase("git index.lock left in a task worktree", n, async () => {
    const e = new E2E()
    try {
      const batch = watch(e.run(run({ repoRoot: e.repo, manifestPath: writeBatch(e) })))
      await pollUntil(
        "a done while b runs",
        () => {
          if (batch.settled()) throw new Error("the batch ended before a finished while b ran")
          return e.status("a") === "succeeded" && e.status("b") === "running" ? true : undefined
        },
        60_000
      )
      const a = e.taskState("a")
      const lock = nodePath.join(git(a.worktree!, "rev-parse", "--absolute-git-dir").trim(), "index.lock")
      fs.writeFileSync(lock, "")
      const done = await batch.result
      if (!done.ok) throw done.error
      const after = e.state()!.tasks.find((t) => t.id === "a")! as { readonly worktreeArchived?: boolean }
      const starts = extraStarts(e)
      return judge(
        `batch ${done.value.phase}, a's locked worktree kept (lock untouched), the rest merged and cleaned`,
        [
          [
            "wrongOutcome",
            done.value.phase === "completed" && sameNames(e.names(), CLEAN_NAMES),
            `batch ${done.value.phase}, main ${e.names().join(" ")}`
          ],
          [
            "wrongOutcome",
            fs.existsSync(lock) && fs.existsSync(a.worktree!) && after.worktreeArchived !== true,
            "a's worktree or its lock was removed"
          ],
          ["wrongOutcome", !e.worktrees().includes(e.taskState("b").worktree!), "b's merged worktree was not cleaned"],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      await e.cleanup()
    }
  })

/** The agent writes its done marker and keeps running for 2 s (an interactive agent idling). */
export const markerWhileRunning = (n: number): Promise<Row> =>
  runCase("done marker written while the agent still runs", n, async () => {
    const e = new E2E()
    try {
      const manifestPath = e.manifest(
        [
          e.task("a", "build a [steps:1]"),
          e.task("m", "finish, then linger [linger:2]", [], { command: [process.execPath, MARKER_AGENT] })
        ],
        { maxLanes: 2 }
      )
      const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
      const m = e.taskState("m")
      const events = () =>
        (
          e.runs() as unknown as ReadonlyArray<{
            readonly task: string
            readonly event?: string
            readonly at: number
            readonly pid: number
          }>
        ).filter((r) => r.task === "m")
      const exited = await pollUntil(
        "m's agent to exit on its own",
        () => (events().some((x) => x.event === "exit") ? true : undefined),
        15_000
      ).catch(() => false)
      const pid = events()[0]?.pid
      if (pid !== undefined)
        await pollUntil("m's agent to leave", () => (pidAlive(pid) ? undefined : true), 10_000).catch(() => undefined)
      const at = (ev: string) => events().find((x) => x.event === ev)?.at
      const notes = nodePath.join(m.worktree!, "m-notes.txt")
      const lost = lostOf(e.repo, {
        task: "m",
        worktree: m.worktree!,
        commit: git(e.repo, "rev-parse", "main").trim(),
        files: [{ name: "m-notes.txt", content: "m: notes the agent never committed\n", committed: false }]
      })
      const starts = extraStarts(e)
      return judge(
        `m completed at its marker while its agent ran (not killed: it exited on its own); m.txt merged; uncommitted notes ${fs.existsSync(notes) ? "kept in the worktree" : "gone"}; batch ${final.phase}`,
        [
          [
            "wrongOutcome",
            m.status === "succeeded" && final.phase === "completed",
            `m ${m.status}, batch ${final.phase}`
          ],
          ["wrongOutcome", exited === true, "m's agent was killed before it exited on its own"],
          [
            "wrongOutcome",
            m.endedAt !== undefined && (at("marker") ?? Infinity) <= m.endedAt && m.endedAt < (at("exit") ?? 0),
            `m ended at ${m.endedAt}, marker ${at("marker")}, exit ${at("exit")}`
          ],
          ["wrongOutcome", sameNames(e.names(), ["README.md", "a.txt", "m.txt"]), `main holds ${e.names().join(" ")}`],
          ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      await e.cleanup()
    }
  })
