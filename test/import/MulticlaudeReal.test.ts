/**
 * The multiclaude import on the real machine: a real clone with worker worktrees under `wts/`, one
 * worker's Claude (a stand-in process) still running after its tmux session died, another dead. The
 * host relaunches through a RelaunchAgent handler (as multiclaude resumes its agents); rekindle
 * journals it. Assertions read /proc and tmux on a private socket.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import { execFileSync, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { findOnPath } from "../../adapters/agent/FindExecutable.ts"
import { createRekindle, multiclaude } from "../../exports/index.ts"

const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "mc",
  GIT_AUTHOR_EMAIL: "mc@rekindle.invalid",
  GIT_COMMITTER_NAME: "mc",
  GIT_COMMITTER_EMAIL: "mc@rekindle.invalid",
  LC_ALL: "C"
}
for (const [k, v] of Object.entries(GIT_ENV)) process.env[k] = v
const FIXTURE = fs.readFileSync(nodePath.join(import.meta.dirname, "../fixtures/multiclaude/state.json"), "utf8")

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

const alive = (pid: number): boolean => {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z")
  } catch {
    return false
  }
}

/** The first `name` on PATH, found as rekindle finds an agent (the test needs a real shell process, whose comm is its file name). */
const onPath = (name: string): Promise<string> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const found = yield* findOnPath(yield* FileSystem.FileSystem, yield* Path.Path, name, process.env["PATH"])
      if (found === undefined) throw new Error(`${name} is not on PATH`)
      return found
    }).pipe(Effect.provide(NodeServices.layer))
  )

/** A multiclaude root in a temp dir: the clone at `repos/my-app` and two worker worktrees under `wts/my-app/`. */
const multiclaudeClone = () => {
  const tmp = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-mc-")))
  const root = `${tmp}/.multiclaude`
  const repo = `${root}/repos/my-app`
  const socket = `rekindle-test-mc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const git = (...args: ReadonlyArray<string>) => execFileSync("git", ["-C", repo, ...args], { env: process.env })
  fs.mkdirSync(repo, { recursive: true })
  git("init", "-q", "-b", "main")
  fs.writeFileSync(`${repo}/README.md`, "my-app\n")
  git("add", "README.md")
  git("commit", "-qm", "initial")
  for (const name of ["clever-fox", "quiet-wren"])
    git("worktree", "add", "-q", "-b", `work/${name}`, `${root}/wts/my-app/${name}`)
  return { tmp, root, repo, socket }
}

describe("multiclaude import (real tmux + git)", () => {
  it("the running worker is held, the dead one relaunched once in its worktree through the host's handler", async () => {
    const { tmp, root, repo, socket } = multiclaudeClone()
    // clever-fox's Claude outlived its window (a stand-in process); quiet-wren's is gone.
    const running = spawn("sleep", ["300"], { cwd: `${root}/wts/my-app/clever-fox`, detached: true, stdio: "ignore" })
    running.unref()
    const gone = spawnSync("true").pid
    cleanups.push(() => {
      spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" })
      if (running.pid !== undefined) spawnSync("kill", ["-KILL", String(running.pid)])
      fs.rmSync(tmp, { recursive: true, force: true })
    })
    fs.writeFileSync(
      `${root}/state.json`,
      FIXTURE.replaceAll("@ROOT@", root)
        .replace('"pid": 4242001', `"pid": ${running.pid}`)
        .replace('"pid": 4242002', `"pid": ${gone}`)
    )

    await using rk = createRekindle({ repo, tmuxSocket: socket })
    await rk.importState(multiclaude({ root }), { save: true })
    const started: Array<string> = []
    const r = await rk.resume({
      supervise: false,
      handlers: {
        RelaunchAgent: async (step, task) => {
          started.push(step.taskId)
          execFileSync("tmux", [
            "-L",
            socket,
            "new-session",
            "-d",
            "-s",
            step.session,
            "-c",
            task.worktree!,
            "--",
            "sleep",
            "300"
          ])
          return undefined
        }
      }
    })
    expect(r.report.decisions.filter((d) => d.action !== "skip").map((d) => [d.taskId, d.action])).toEqual(
      expect.arrayContaining([
        ["clever-fox", "hold"],
        ["quiet-wren", "re-execute"]
      ])
    )
    expect(started).toEqual(["quiet-wren"])
    expect(alive(running.pid!)).toBe(true)
    const panes = execFileSync("tmux", ["-L", socket, "list-panes", "-a", "-F", "#{session_name} #{pane_pid}"], {
      encoding: "utf8"
    })
      .trim()
      .split("\n")
    expect(panes).toHaveLength(1)
    const pid = Number(panes[0]!.split(" ")[1])
    expect(alive(pid)).toBe(true)
    expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(`${root}/wts/my-app/quiet-wren`)
    // Resumed again: the journaled relaunch is not repeated, the held worker still untouched.
    await rk.resume({ supervise: false, handlers: { RelaunchAgent: async () => void started.push("again") } })
    expect(started).toEqual(["quiet-wren"])
  }, 120_000)

  // Found by outside eyes: multiclaude records a window's #{pane_pid}, the shell it typed `claude` into. The shell
  // outlives Claude, so a worker whose Claude had exited was held for good ("alive outside tmux").
  it("regression: a recorded pid that is a window's shell: held while the shell runs its agent, re-executed once it runs none", async () => {
    const { tmp, root, repo, socket } = multiclaudeClone()
    // clever-fox's shell runs its Claude (a stand-in child); quiet-wren's shell runs nothing: its Claude exited.
    // Real shells (comm "bash") running fixed script files: no shell string, no `-c` (test/security/ShellScan.test.ts).
    const shell = await onPath("bash")
    fs.writeFileSync(`${tmp}/runs-agent.sh`, "sleep 300\ntrue\n")
    fs.writeFileSync(`${tmp}/runs-nothing.sh`, "read line\n")
    const busy = spawn(shell, [`${tmp}/runs-agent.sh`], { detached: true, stdio: "ignore" })
    const idle = spawn(shell, [`${tmp}/runs-nothing.sh`], { detached: true, stdio: ["pipe", "ignore", "ignore"] })
    cleanups.push(() => {
      spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" })
      // Each shell leads its own process group (detached): end the group by its (positive) id, never by a
      // parsed "-<pid>" argument of kill(1).
      for (const p of [busy.pid, idle.pid])
        if (p !== undefined && p > 1)
          try {
            process.kill(-p, "SIGKILL")
          } catch {
            // already gone
          }
      fs.rmSync(tmp, { recursive: true, force: true })
    })
    // The shell's child is visible once bash has forked it.
    const deadline = Date.now() + 30_000
    while (fs.readFileSync(`/proc/${busy.pid}/task/${busy.pid}/children`, "utf8").trim() === "") {
      if (Date.now() > deadline) throw new Error("bash never started its child")
      await new Promise((r) => setTimeout(r, 50))
    }
    fs.writeFileSync(
      `${root}/state.json`,
      FIXTURE.replaceAll("@ROOT@", root)
        .replace('"pid": 4242001', `"pid": ${busy.pid}`)
        .replace('"pid": 4242002', `"pid": ${idle.pid}`)
    )
    await using rk = createRekindle({ repo, tmuxSocket: socket })
    const report = await rk.planImport(multiclaude({ root }))
    expect(report.decisions.filter((d) => d.action !== "skip").map((d) => [d.taskId, d.action])).toEqual(
      expect.arrayContaining([
        ["clever-fox", "hold"],
        ["quiet-wren", "re-execute"]
      ])
    )
    expect([alive(busy.pid!), alive(idle.pid!)]).toEqual([true, true])
  }, 120_000)
})
