/**
 * Real world: the tmux server dies (`kill-server`), taking the agents with it. Resume re-executes
 * every task in its own worktree — new tagged sessions, attempt 2 — after snapshotting a dirty
 * worktree (untracked files included) under refs/rekindle/wip/<task>/, and leaves a clean one alone.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ownershipTag } from "../../../core/domain/index.ts"
import { resume } from "../../../core/engine/usecases/Resume.ts"
import { loadState } from "../../../core/engine/support/StateIO.ts"
import { startRealBatch } from "../../support/real/batch.ts"
import { pidAlive, pollUntil } from "../../support/real/poll.ts"
import { git } from "../../support/real/repo.ts"
import { sessionNames, tmux } from "../../support/real/socket.ts"
import { refsUnder } from "../../support/real/repo.ts"
import { REAL_TIMEOUT_MS, RealWorld } from "../../support/real/world.ts"

let world: RealWorld | undefined

afterEach(async () => {
  await world?.cleanup()
  world = undefined
})

describe("resume after the tmux server was killed (real tmux + git)", () => {
  it(
    "re-executes each task in its worktree, snapshotting the dirty one first",
    async () => {
      const w = (world = new RealWorld())
      const started = await w.run(startRealBatch(w.root, w.batchId, [{ id: "a" }, { id: "b" }]))
      const [a, b] = started.tasks
      const oldAgents = started.tasks.map((t) => t.agentProcess!.pid)
      fs.writeFileSync(nodePath.join(a!.worktree!, "notes.txt"), "half-done work\n")

      expect(tmux(w.socket, "kill-server").status).toBe(0)
      await pollUntil("the agents to die with their server", () => (oldAgents.some(pidAlive) ? undefined : true))

      const r = await w.run(resume(w.ref, { supervise: false }))
      expect(r.outcome).toBe("resume_create")
      expect(r.report.decisions.map((d) => [d.taskId, d.action])).toEqual([
        ["a", "re-execute"],
        ["b", "re-execute"]
      ])

      // New sessions exist with the ownership tag, each running its agent in the task's worktree.
      expect(sessionNames(w.socket)).toEqual([a!.session!, b!.session!].sort())
      const tags = tmux(w.socket, "list-panes", "-a", "-F", "#{session_name} #{@rekindle_task}")
        .stdout.split("\n")
        .filter((l) => l !== "")
        .sort()
      expect(tags).toEqual(
        [`${a!.session} ${ownershipTag(w.batchId, "a")}`, `${b!.session} ${ownershipTag(w.batchId, "b")}`].sort()
      )
      const state = await w.run(loadState(w.ref))
      expect(state.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
        ["a", "running", 2],
        ["b", "running", 2]
      ])
      for (const t of state.tasks) {
        const pid = t.agentProcess!.pid
        expect(oldAgents).not.toContain(pid)
        expect(pidAlive(pid)).toBe(true)
        expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(t.worktree)
      }

      // Only the dirty worktree was snapshotted, untracked file included; the worktree is as it was.
      const wip = refsUnder(w.root, "refs/rekindle/wip/")
      expect(wip.map((l) => l.split(" ")[0])).toEqual(["refs/rekindle/wip/a/1"])
      expect(git(w.root, "show", "refs/rekindle/wip/a/1:notes.txt")).toBe("half-done work\n")
      expect(git(w.root, "rev-parse", "refs/rekindle/wip/a/1^")).toBe(git(a!.worktree!, "rev-parse", "HEAD"))
      expect(fs.readFileSync(nodePath.join(a!.worktree!, "notes.txt"), "utf8")).toBe("half-done work\n")
      expect(git(a!.worktree!, "status", "--porcelain")).toBe("?? notes.txt\n")
    },
    REAL_TIMEOUT_MS
  )

  // Found by the fault campaign (scripts/soak/Faults.ts, "task branch deleted by hand"): with its branch
  // deleted (`git branch -D` refuses a checked-out branch; `update-ref -d` does not), a worktree's HEAD
  // names a missing branch. Resume relaunched the agent there anyway; its next commit started an
  // unrelated history, and the merge failed with "refusing to merge unrelated histories".
  it(
    "regression: a task whose branch was deleted by hand is not relaunched on an unborn HEAD: E_WORKTREE_CORRUPT naming the branch, work kept",
    async () => {
      const w = (world = new RealWorld())
      const started = await w.run(startRealBatch(w.root, w.batchId, [{ id: "a" }]))
      const a = started.tasks[0]!
      fs.writeFileSync(nodePath.join(a.worktree!, "notes.txt"), "half-done work\n")
      expect(tmux(w.socket, "kill-server").status).toBe(0)
      await pollUntil("the agent to die with its server", () => (pidAlive(a.agentProcess!.pid) ? undefined : true))
      git(w.root, "update-ref", "-d", `refs/heads/${a.branch}`)

      const exit = await w.runExit(resume(w.ref, { supervise: false }))
      expect(JSON.stringify(exit)).toContain("E_WORKTREE_CORRUPT")
      expect(JSON.stringify(exit)).toContain(a.branch)
      expect(sessionNames(w.socket)).toEqual([])
      expect(fs.readFileSync(nodePath.join(a.worktree!, "notes.txt"), "utf8")).toBe("half-done work\n")
      expect(git(w.root, "show", "refs/rekindle/wip/a/1:notes.txt")).toBe("half-done work\n")
    },
    REAL_TIMEOUT_MS
  )
})
