/**
 * `rekindle import taskplane` on the real machine: a real git repo holding a taskplane batch written
 * in taskplane's format (orch branch, lane worktrees and branches made with git, task folders, a
 * runtime registry whose agent is a live process, a lane session on a private tmux socket), the CLI
 * run as its own process. Asserts on the world: what was written (nothing on a dry run or a refusal)
 * and what `plan` then decides.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { rekindle } from "../support/real/cli.ts"
import { git, makeRepo, type RealRepo } from "../support/real/repo.ts"
import { freshSocket, killServer, tmux } from "../support/real/socket.ts"
import {
  BATCH,
  batchState,
  FOLDERS,
  laneBranch,
  laneWorktree,
  ORCH,
  registry,
  supervisorLock,
  taskFolder
} from "../fixtures/taskplane/states.ts"

/** Several CLI processes per test on a loaded machine: a generous bound, never a timing assertion. */
const SLOW = 180_000

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

const sleeper = (): ChildProcess => {
  const p = spawn("sleep", ["600"], { stdio: "ignore" })
  cleanups.push(() => p.kill("SIGKILL"))
  return p
}

/** A repo where taskplane ran wave 1, then died in wave 2: orch branch, lane worktrees, task folders. */
const taskplaneRepo = (extra: Partial<Parameters<typeof batchState>[0]> = {}): RealRepo => {
  const repo = makeRepo()
  cleanups.push(repo.cleanup)
  const root = repo.root
  for (const [id, folder] of Object.entries(FOLDERS)) {
    fs.mkdirSync(nodePath.join(root, "taskplane/tasks", folder), { recursive: true })
    fs.writeFileSync(nodePath.join(root, "taskplane/tasks", folder, "PROMPT.md"), `# ${id}\nDo ${folder}.\n`)
  }
  git(root, "add", "-A")
  git(root, "commit", "-q", "-m", "task packets")
  git(root, "branch", ORCH, "main")
  for (const n of [1, 2]) git(root, "worktree", "add", "-q", "-b", laneBranch(n), laneWorktree(root, n), ORCH)
  fs.mkdirSync(nodePath.join(root, ".pi"), { recursive: true })
  fs.writeFileSync(nodePath.join(root, ".pi/batch-state.json"), JSON.stringify(batchState({ root, ...extra }), null, 2))
  return repo
}

const planOf = (root: string, socket?: string) => {
  const r = rekindle(["plan", "--json", "--repo", root, ...(socket === undefined ? [] : ["--socket", socket])])
  expect(r.code, r.stderr).toBe(0)
  const doc = JSON.parse(r.stdout) as { decisions: ReadonlyArray<{ taskId: string; action: string }> }
  return (id: string) => doc.decisions.find((d) => d.taskId === id)?.action
}

describe("rekindle import taskplane (real git, tmux and processes)", () => {
  it(
    "dry run writes nothing; the import then plans: live registry agent held, .DONE in the lane worktree completed, unallocated tasks pending",
    () => {
      const { root } = taskplaneRepo()
      const agent = sleeper()
      fs.mkdirSync(nodePath.join(root, `.pi/runtime/${BATCH}`), { recursive: true })
      fs.writeFileSync(
        nodePath.join(root, `.pi/runtime/${BATCH}/registry.json`),
        JSON.stringify(registry([{ taskId: "TP-201", lane: 1, pid: agent.pid!, status: "running" }]))
      )
      fs.writeFileSync(nodePath.join(laneWorktree(root, 2), "taskplane/tasks", FOLDERS["TP-203"]!, ".DONE"), "")

      const dry = rekindle(["import", "taskplane", "--dry-run", "--json", "--repo", root])
      expect(dry.code, dry.stderr).toBe(0)
      expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, saved: null, baseBranch: ORCH })
      expect(fs.existsSync(nodePath.join(root, ".rekindle"))).toBe(false)

      const real = rekindle(["import", "taskplane", "--repo", root])
      expect(real.code, real.stderr).toBe(0)
      expect(fs.existsSync(nodePath.join(root, `.rekindle/${BATCH}/state.json`))).toBe(true)
      const action = planOf(root)
      expect(action("TP-201")).toBe("hold")
      expect(action("TP-203")).toBe("mark-complete")
      expect(action("TP-202")).toBe("pending")
      expect(action("TP-301")).toBe("pending")
      // The foreign files were only read.
      expect(JSON.parse(fs.readFileSync(nodePath.join(root, ".pi/batch-state.json"), "utf8"))).toEqual(
        batchState({ root })
      )
      expect(fs.existsSync(taskFolder(root, "TP-203"))).toBe(true)
    },
    SLOW
  )

  it(
    "a lane session alive on the tmux socket is reconnected, never doubled",
    () => {
      const { root } = taskplaneRepo()
      const socket = freshSocket()
      cleanups.push(() => killServer(socket))
      tmux(socket, "new-session", "-d", "-s", "orch-dev-lane-1", "-c", laneWorktree(root, 1), "sleep", "600")
      expect(rekindle(["import", "taskplane", "--repo", root, "--socket", socket]).code).toBe(0)
      expect(planOf(root, socket)("TP-201")).toBe("reconnect")
    },
    SLOW
  )

  it(
    "a live supervisor lock refuses the import (E_LOCKED, exit 1) and nothing is written",
    () => {
      const { root } = taskplaneRepo()
      const supervisor = sleeper()
      fs.mkdirSync(nodePath.join(root, ".pi/supervisor"), { recursive: true })
      fs.writeFileSync(
        nodePath.join(root, ".pi/supervisor/lock.json"),
        JSON.stringify(supervisorLock(supervisor.pid!, Date.now()))
      )
      const r = rekindle(["import", "taskplane", "--repo", root])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("E_LOCKED")
      expect(r.stderr).toContain(`pid ${supervisor.pid}`)
      expect(fs.existsSync(nodePath.join(root, ".rekindle"))).toBe(false)
    },
    SLOW
  )
})
