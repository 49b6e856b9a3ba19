/**
 * End to end on real tmux + git with the bundled fake agent: a 3-wave batch runs to completion and
 * merges; the supervisor killed with SIGKILL mid-wave and resumed ends with the same merged tree,
 * every task run exactly once.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { run } from "../../core/engine/usecases/Run.ts"
import * as Node from "../../adapters/node.ts"
import { git, isolateGitEnv } from "../support/real/repo.ts"
import { freshSocket, tmux } from "../support/real/socket.ts"

isolateGitEnv()
const FAKE_AGENT = nodePath.resolve(import.meta.dirname, "../../adapters/agent/fake-agent.ts")
const fast = Effect.provideService(ExecutorSettings, { pollMs: 150, graceMs: 1_000 })
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

const setup = (prompts: Record<string, string>) => {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-e2e-"))
  const repo = nodePath.join(dir, "repo")
  fs.mkdirSync(repo)
  git(repo, "init", "-q", "-b", "main")
  fs.writeFileSync(nodePath.join(repo, "README.md"), "demo\n")
  git(repo, "add", "-A")
  git(repo, "commit", "-q", "-m", "init")
  const socket = freshSocket()
  const agentLog = nodePath.join(dir, "agents.jsonl")
  process.env["REKINDLE_FAKE_AGENT_LOG"] = agentLog
  cleanups.push(() => {
    tmux(socket, "kill-server")
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const task = (id: string, dependsOn: Array<string> = []) => ({
    id,
    agent: "shell",
    prompt: prompts[id] ?? `build ${id}`,
    command: [process.execPath, FAKE_AGENT],
    dependsOn
  })
  const manifest = {
    tasks: [task("a"), task("b"), task("c", ["a"]), task("d", ["b", "c"])],
    options: { batchId: "e2e", maxLanes: 2 }
  }
  const manifestPath = nodePath.join(dir, "manifest.json")
  fs.writeFileSync(manifestPath, JSON.stringify(manifest))
  const runs = () =>
    fs.existsSync(agentLog)
      ? fs
          .readFileSync(agentLog, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { task: string })
      : []
  return { repo, socket, manifestPath, runs }
}

const mainTree = (repo: string) => git(repo, "ls-tree", "-r", "--name-only", "main").trim().split("\n").sort()

describe("run and resume end to end (real tmux + git, fake agent)", () => {
  it("a 3-wave batch with dependencies runs to completion and merges", async () => {
    const { repo, socket, manifestPath, runs } = setup({})
    const final = await Effect.runPromise(
      run({ repoRoot: repo, manifestPath }).pipe(fast, Effect.provide(Node.layer({ socket })))
    )
    expect(final.phase).toBe("completed")
    expect(mainTree(repo)).toEqual(["README.md", "a.txt", "b.txt", "c.txt", "d.txt"])
    expect(
      runs()
        .map((r) => r.task)
        .sort()
    ).toEqual(["a", "b", "c", "d"])
    expect(git(repo, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(1)
  }, 90_000)

  it("SIGKILL of the supervisor mid-wave, then resume: same merged tree, every task run once", async () => {
    const { repo, socket, manifestPath, runs } = setup({ b: "build b [steps:8] [sleep:0.5]" })
    const child = spawn(
      process.execPath,
      [nodePath.resolve(import.meta.dirname, "../fixtures/run-batch.ts"), repo, manifestPath, socket],
      { stdio: "ignore", env: process.env }
    )
    cleanups.push(() => child.kill("SIGKILL"))
    const statePath = nodePath.join(repo, ".rekindle/e2e/state.json")
    const deadline = Date.now() + 30_000
    // Kill once wave 1 is under way: a has succeeded, b is still running.
    for (;;) {
      if (Date.now() > deadline) throw new Error("wave 1 never reached the kill point")
      const state = fs.existsSync(statePath)
        ? (JSON.parse(fs.readFileSync(statePath, "utf8")) as { tasks: Array<{ id: string; status: string }> })
        : undefined
      const st = (id: string) => state?.tasks.find((t) => t.id === id)?.status
      if (st("a") === "succeeded" && st("b") === "running") break
      await new Promise((r) => setTimeout(r, 50))
    }
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    expect(tmux(socket, "has-session", "-t", "=rk-e2e-b").status).toBe(0) // the agent lives on
    const r = await Effect.runPromise(
      resume({ repoRoot: repo, batchId: "e2e" }).pipe(fast, Effect.provide(Node.layer({ socket })))
    )
    expect(r.state.phase).toBe("completed")
    expect(mainTree(repo)).toEqual(["README.md", "a.txt", "b.txt", "c.txt", "d.txt"])
    expect(
      runs()
        .map((x) => x.task)
        .sort()
    ).toEqual(["a", "b", "c", "d"])
  }, 90_000)
})
