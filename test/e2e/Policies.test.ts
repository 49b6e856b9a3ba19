/**
 * Failure and merge-failure policies end to end (real tmux + git, the bundled fake agent): a crashing
 * task under stop-all, stop-wave and skip-dependents, and a merge conflict under pause and abort.
 * Each test runs a real batch in its own temp repo on its own private tmux socket.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { run } from "../../core/engine/usecases/Run.ts"
import { e2eHooks } from "../support/real/e2e.ts"
import { pidAlive } from "../support/real/poll.ts"
import { git } from "../support/real/repo.ts"
import { tmux } from "../support/real/socket.ts"

const CRASH_AGENT = nodePath.resolve(import.meta.dirname, "../fixtures/e2e-crash-agent.ts")

describe("failure policies end to end (real tmux + git, fake agent)", () => {
  const make = e2eHooks(afterEach)

  it("stop-all: a crash stops the other running agents (failed), no later wave starts", async () => {
    const e = make()
    const manifestPath = e.manifest(
      [
        e.task("bad", "crash early [crash]"),
        e.task("slow", "never ends [hang] [steps:1]"),
        e.task("later", "after slow", ["slow"])
      ],
      { failurePolicy: "stop-all" }
    )
    const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
    expect(final.phase).toBe("paused")
    const bad = e.taskState("bad")
    expect(bad.status).toBe("failed")
    expect(bad.exitStatus).toBe(1)
    const slow = e.taskState("slow")
    expect(slow.status).toBe("failed")
    expect(slow.exitReason).toMatch(/stop-all/)
    // Stopped for real: its session is gone and its agent process is dead.
    expect(tmux(e.socket, "has-session", "-t", `=${slow.session}`).status).not.toBe(0)
    expect(slow.agentProcess).toBeDefined()
    expect(pidAlive(slow.agentProcess!.pid)).toBe(false)
    expect(e.status("later")).toBe("pending")
    // `slow` may be stopped before its node process got far enough to log its start (a loaded
    // machine): what matters is that nothing of the later wave ever ran.
    expect(e.ranTasks()).toContain("bad")
    expect(e.ranTasks()).not.toContain("later")
    expect(e.names()).toEqual(["README.md"])
    // Nothing was merged, nothing was cleaned: both worktrees are kept.
    expect(e.worktrees()).toEqual(expect.arrayContaining([bad.worktree, slow.worktree]))
  }, 60_000)

  it("stop-wave: the wave finishes and merges, later waves do not start, the failed worktree keeps its work", async () => {
    const e = make()
    const manifestPath = e.manifest(
      [
        e.task("bad", "crash with work", [], { command: [process.execPath, CRASH_AGENT] }),
        e.task("ok", "outlive the crash [steps:6] [sleep:0.25]"),
        e.task("next", "after ok", ["ok"])
      ],
      { failurePolicy: "stop-wave" }
    )
    const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
    expect(final.phase).toBe("paused")
    const bad = e.taskState("bad")
    const ok = e.taskState("ok")
    expect(bad.status).toBe("failed")
    expect(bad.exitStatus).toBe(3)
    // The wave went on after the failure: ok ended later and was merged.
    expect(ok.status).toBe("succeeded")
    expect(ok.endedAt!).toBeGreaterThan(bad.endedAt!)
    expect(final.merges.filter((m) => m.status === "succeeded").map((m) => m.lane)).toEqual(["ok"])
    expect(e.names()).toEqual(["README.md", "ok.txt"])
    // The later wave never started.
    expect(e.status("next")).toBe("pending")
    expect(e.ranTasks()).toEqual(["bad", "ok"])
    expect(tmux(e.socket, "has-session", "-t", `=${e.taskState("next").session}`).status).not.toBe(0)
    // The failed task's worktree is kept with its committed and its uncommitted work.
    expect(e.worktrees()).toContain(bad.worktree)
    expect(git(e.repo, "ls-tree", "-r", "--name-only", bad.branch!).split("\n")).toContain("bad-committed.txt")
    expect(fs.readFileSync(nodePath.join(bad.worktree!, "bad-dirty.txt"), "utf8")).toBe("bad: not committed\n")
    expect(git(bad.worktree!, "status", "--porcelain")).toContain("?? bad-dirty.txt")
  }, 60_000)

  it("skip-dependents: dependents are skipped, independent tasks finish and merge", async () => {
    const e = make()
    const manifestPath = e.manifest(
      [
        e.task("bad", "exit non-zero [exit:3] [steps:1]"),
        e.task("ind", "independent"),
        e.task("child", "needs bad", ["bad"]),
        e.task("ind2", "needs ind", ["ind"]),
        e.task("grand", "needs child", ["child"])
      ],
      { failurePolicy: "skip-dependents" }
    )
    const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
    expect(final.phase).toBe("paused")
    expect(e.taskState("bad").status).toBe("failed")
    expect(e.taskState("bad").exitStatus).toBe(3)
    expect(["child", "grand"].map((id) => e.status(id))).toEqual(["skipped", "skipped"])
    expect(["ind", "ind2"].map((id) => e.status(id))).toEqual(["succeeded", "succeeded"])
    expect(e.ranTasks()).toEqual(["bad", "ind", "ind2"])
    expect(e.names()).toEqual(["README.md", "ind.txt", "ind2.txt"])
    expect(e.worktrees()).toContain(e.taskState("bad").worktree)
  }, 60_000)
})

describe("merge-failure policies end to end (real tmux + git, fake agent)", () => {
  const make = e2eHooks(afterEach)

  it.each([
    { policy: "pause", phase: "paused" },
    { policy: "abort", phase: "failed" }
  ])(
    "a merge conflict under $policy: the batch ends $phase, the base holds only the first lane, the conflicting worktree is kept",
    async ({ policy, phase }) => {
      const e = make()
      const manifestPath = e.manifest(
        [
          e.task("x", "write shared [file:shared.txt]"),
          e.task("y", "write shared too [file:shared.txt]"),
          e.task("z", "after x", ["x"])
        ],
        { mergeFailurePolicy: policy }
      )
      const final = await e.run(run({ repoRoot: e.repo, manifestPath }))
      expect(final.phase).toBe(phase)
      expect(e.state()?.phase).toBe(phase)
      expect(["x", "y"].map((id) => e.status(id))).toEqual(["succeeded", "succeeded"])
      expect(final.merges.map((m) => [m.lane, m.status])).toEqual([
        ["x", "succeeded"],
        ["y", "conflict"]
      ])
      expect(final.merges[1]!.reason).toMatch(/shared\.txt/)
      // The base branch holds exactly the first lane's merge.
      const x = e.taskState("x")
      const y = e.taskState("y")
      expect(e.names()).toEqual(["README.md", "shared.txt"])
      expect(git(e.repo, "rev-parse", "main:shared.txt")).toBe(git(e.repo, "rev-parse", `${x.branch}:shared.txt`))
      expect(git(e.repo, "show", "main:shared.txt")).toBe("x (attempt 1)\n")
      const mergeSubjects = git(e.repo, "log", "--merges", "--format=%s", "main").trim().split("\n")
      expect(mergeSubjects).toHaveLength(1)
      expect(mergeSubjects[0]).toContain(x.branch)
      // The conflicting lane's worktree and branch are kept with its work; the next wave never started.
      expect(e.worktrees()).toContain(y.worktree)
      expect(fs.readFileSync(nodePath.join(y.worktree!, "shared.txt"), "utf8")).toBe("y (attempt 1)\n")
      expect(git(e.repo, "show", `${y.branch}:shared.txt`)).toBe("y (attempt 1)\n")
      expect(e.status("z")).toBe("pending")
      expect(e.ranTasks()).toEqual(["x", "y"])
    },
    60_000
  )
})
