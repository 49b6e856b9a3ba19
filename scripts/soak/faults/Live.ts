/**
 * Faults hitting a batch while its supervisor lives (real tmux + git): the tmux server killed, the
 * task's pane killed, the agent exiting non-zero, the agent hanging silently. Each ends with the
 * user's next step (`resume` once, unless the batch completed) and is judged on what is left.
 *
 * Expected outcomes (DESIGN §4–5, README "How rekindle decides"):
 * - server or pane killed: not the agent's doing, a crash — the task is re-executed in its own
 *   worktree (work kept: WIP snapshot, then the agent continues there) and the batch ends as an
 *   uninterrupted run would, every other task run once;
 * - non-zero exit: the task fails with its status, the failure policy (stop-wave) applies, its
 *   worktree keeps its work, and resume does not run it again;
 * - silent hang: stalled after the stall timeout, failed and stopped at twice that — its agent gone
 *   even when it ignores SIGHUP (TERM, grace, KILL) —, worktree kept.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { run } from "../../../core/engine/usecases/Run.ts"
import type { Row } from "../Report.ts"
import { E2E } from "../../../test/support/real/e2e.ts"
import { pidAlive, pollUntil } from "../../../test/support/real/poll.ts"
import { git } from "../../../test/support/real/repo.ts"
import { tmux } from "../../../test/support/real/socket.ts"
import {
  CLEAN_NAMES,
  resumeNow,
  resumeUnlessDone,
  sameNames,
  watch,
  whenAThenB,
  whenAThenBWhile,
  writeBatch
} from "./Batch.ts"
import { judge, runCase } from "./Tally.ts"
import { extraStarts, lostOf, plantWork, type Planted } from "./Work.ts"

const CRASH_AGENT = nodePath.resolve(import.meta.dirname, "../../../test/fixtures/e2e-crash-agent.ts")
const STUBBORN_AGENT = nodePath.resolve(import.meta.dirname, "stubborn-agent.ts")

/** How b's crash was recovered, as the user reads it. */
const recovered = (e: E2E, planted: Planted, by: string, allowed: Readonly<Record<string, number>>) => {
  const b = e.taskState("b")
  const names = e.names()
  const lost = lostOf(e.repo, planted)
  const starts = extraStarts(e, allowed)
  const phase = e.state()?.phase
  const bFile = (() => {
    try {
      return git(e.repo, "show", "main:b.txt").trim()
    } catch {
      return "no b.txt on main"
    }
  })()
  return judge(`${by}: b re-executed in its worktree (attempt ${b.attempts}), batch ${phase}`, [
    ["wrongOutcome", phase === "completed", `batch ended ${phase}`],
    [
      "wrongOutcome",
      b.status === "succeeded" && b.attempts >= 2 && /attempt [2-9]/.test(bFile),
      `b ${b.status} after ${b.attempts} attempt(s) (${bFile})`
    ],
    ["wrongOutcome", b.worktree === planted.worktree, `b moved to ${b.worktree}`],
    [
      "wrongOutcome",
      sameNames(names, [...CLEAN_NAMES, ...planted.files.map((f) => f.name)]),
      `main holds ${names.join(" ")}`
    ],
    ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
    ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
  ])
}

/** The tmux server dies mid-wave under a live supervisor process (as `rekindle run` starts one). */
export const serverKilled = (n: number): Promise<Row> =>
  runCase("tmux server killed mid-wave", n, async () => {
    const e = new E2E()
    try {
      writeBatch(e)
      const sup = e.supervisor()
      await whenAThenB(e)
      const planted = plantWork(e, "b")
      tmux(e.socket, "kill-server")
      const code = await Promise.race([
        sup.exited,
        new Promise<"hung">((ok) => setTimeout(() => ok("hung"), 90_000).unref())
      ])
      if (code === "hung") throw new Error("the supervisor neither finished nor failed within 90 s")
      const ended = /ended (\w+)/.exec(sup.stdout())?.[1] ?? `exit ${code}`
      const r = await resumeUnlessDone(e)
      return recovered(
        e,
        planted,
        r === undefined ? `supervisor ${ended}` : `supervisor ${ended}, then resume ${r.said}`,
        { b: 2 }
      )
    } finally {
      await e.cleanup()
    }
  })

/** Someone kills the agent's pane (`kill-pane`) while the batch runs in this process. */
export const paneKilled = (n: number): Promise<Row> =>
  runCase("pane killed (kill-pane)", n, async () => {
    const e = new E2E()
    try {
      const batch = watch(e.run(run({ repoRoot: e.repo, manifestPath: writeBatch(e) })))
      await whenAThenBWhile(e, batch)
      const planted = plantWork(e, "b")
      tmux(e.socket, "kill-pane", "-t", `=${e.taskState("b").session}:`)
      const done = await batch.result
      if (!done.ok) throw done.error
      const r = await resumeUnlessDone(e)
      return recovered(
        e,
        planted,
        r === undefined ? `run ${done.value.phase}` : `run ${done.value.phase}, then resume ${r.said}`,
        { b: 2 }
      )
    } finally {
      await e.cleanup()
    }
  })

/** The agent exits 3 with committed and uncommitted work (the crash fixture); stop-wave applies. */
export const nonZeroExit = (n: number): Promise<Row> =>
  runCase("agent exits non-zero", n, async () => {
    const e = new E2E()
    try {
      const manifestPath = e.manifest(
        [
          e.task("a", "build a [steps:4] [sleep:0.25]"),
          e.task("x", "crash with work", [], { command: [process.execPath, CRASH_AGENT] }),
          e.task("y", "after x", ["x"])
        ],
        { maxLanes: 2, failurePolicy: "stop-wave" }
      )
      const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
      const x = e.taskState("x")
      const planted: Planted = {
        task: "x",
        worktree: x.worktree!,
        commit: git(e.repo, "rev-parse", x.branch!).trim(),
        files: [
          { name: "x-committed.txt", content: "x: committed before the crash\n", committed: true },
          { name: "x-dirty.txt", content: "x: not committed\n", committed: false }
        ]
      }
      const r = await resumeNow(e)
      const after = e.taskState("x")
      const lost = lostOf(e.repo, planted)
      const starts = extraStarts(e)
      return judge(
        `x failed with status ${x.exitStatus}, a merged, y not started, batch ${final.phase}; resume ${r.said}: x ${after.status}`,
        [
          [
            "wrongOutcome",
            x.status === "failed" && x.exitStatus === 3 && /status 3/.test(x.exitReason ?? ""),
            `x ${x.status} status ${x.exitStatus} (${x.exitReason})`
          ],
          [
            "wrongOutcome",
            final.phase === "paused" && r.phase === "paused",
            `phase ${final.phase}, after resume ${r.phase}`
          ],
          [
            "wrongOutcome",
            e.status("a") === "succeeded" && sameNames(e.names(), ["README.md", "a.txt"]),
            `main holds ${e.names().join(" ")}`
          ],
          ["wrongOutcome", !e.runs().some((s) => s.task === "y"), "y ran after its dependency failed"],
          [
            "wrongOutcome",
            after.status === "failed" && after.attempts === 1,
            `after resume x is ${after.status} (attempt ${after.attempts})`
          ],
          ["lost", lost.lost === 0, `lost ${lost.what.join(", ")}`],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      await e.cleanup()
    }
  })

/** SIGKILL `pid` if it still runs `script` (a fixture agent this case started; never a reused pid). */
const killIfOurs = (pid: number, script: string): void => {
  try {
    if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(script)) process.kill(pid, "SIGKILL")
  } catch {
    // already gone
  }
}

/** One hung task after the batch ended: stalled then failed, session and agent gone, worktree kept. */
const givenUp = async (e: E2E, id: string) => {
  const t = e.taskState(id) as ReturnType<E2E["taskState"]> & {
    readonly history?: ReadonlyArray<{ readonly event: string }>
  }
  const events = (t.history ?? []).map((x) => x.event)
  const pid = t.agentProcess?.pid
  const gone =
    pid === undefined
      ? false
      : await pollUntil(`${id}'s stalled agent to be gone`, () => (pidAlive(pid) ? undefined : true), 10_000).catch(
          () => false
        )
  const session = tmux(e.socket, "has-session", "-t", `=${t.session}`).status
  return [
    [
      "wrongOutcome",
      t.status === "failed" && /no output/.test(t.exitReason ?? ""),
      `${id} ${t.status} (${t.exitReason})`
    ],
    [
      "wrongOutcome",
      events.indexOf("status:stalled") >= 0 && events.indexOf("status:stalled") < events.indexOf("status:failed"),
      `${id} history ${events.join(" ")}`
    ],
    ["wrongOutcome", gone === true && session !== 0, `${id}: agent gone ${gone}, session status ${session}`],
    ["wrongOutcome", fs.existsSync(t.worktree!) && e.worktrees().includes(t.worktree!), `${id}'s worktree was removed`]
  ] as const
}

/**
 * Agents hang without output — the fake agent (`[quiet] [hang]`) and one that also ignores SIGHUP —
 * with the stall timeout at 1 s (the manifest minimum) and polls every 150 ms.
 */
export const agentHangs = (n: number): Promise<Row> =>
  runCase("agent hangs (stall detection)", n, async () => {
    const e = new E2E()
    try {
      const manifestPath = e.manifest(
        [
          e.task("a", "build a [steps:1]"),
          e.task("h", "hang silently [quiet] [hang] [steps:1]"),
          e.task("s", "hang silently, deaf to SIGHUP", [], { command: [process.execPath, STUBBORN_AGENT] })
        ],
        { maxLanes: 3, stallTimeoutSeconds: 1 }
      )
      const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
      const checks = [...(await givenUp(e, "h")), ...(await givenUp(e, "s"))]
      const starts = extraStarts(e)
      return judge(
        `h and s (deaf to SIGHUP) stalled at 1 s, failed and stopped at 2 s (${e.taskState("h").exitReason}); worktrees kept; batch ${final.phase}`,
        [
          ...checks,
          [
            "wrongOutcome",
            e.status("a") === "succeeded" && sameNames(e.names(), ["README.md", "a.txt"]) && final.phase === "paused",
            `a ${e.status("a")}, main ${e.names().join(" ")}, ${final.phase}`
          ],
          ["twice", starts.twice === 0, `agent starts ${starts.starts}`]
        ]
      )
    } finally {
      // Killing the tmux server does not stop the SIGHUP-deaf agent: if rekindle left it, we end it.
      for (const r of e.runs()) if (r.task === "s") killIfOurs(r.pid, STUBBORN_AGENT)
      await e.cleanup()
    }
  })
