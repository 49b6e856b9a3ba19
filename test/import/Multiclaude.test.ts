/**
 * The multiclaude adapter (core/import/Multiclaude.ts) on a state.json in multiclaude's real format
 * (test/fixtures/multiclaude/state.json, written for these tests), over the FakeWorld: persistent
 * agents left to multiclaude's daemon, workers as tasks (finished, failed, alive outside tmux, dead),
 * worktrees outside the clone, no merges, and the import refused while the daemon lives.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Clock from "effect/Clock"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import { createRekindleWithLayer, RekindleError } from "../../core/facade.ts"
import { multiclaude } from "../../core/import/Multiclaude.ts"
import { FakeWorld } from "../../adapters/testing.ts"

const ROOT = "/home/dev/.multiclaude"
const REPO = `${ROOT}/repos/my-app`
const FIXTURE = fs.readFileSync(nodePath.join(import.meta.dirname, "../fixtures/multiclaude/state.json"), "utf8")

/** multiclaude's world after a crash: its clone, its worker worktrees, one Claude still running. */
const multiclaudeWorld = () => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "my-app\n" })
  for (const name of ["workspace", "clever-fox", "quiet-wren", "brave-owl", "calm-lynx"])
    world.addWorktree(REPO, `${ROOT}/wts/my-app/${name}`, `work/${name}`, "main")
  const alive = world.procs.spawn(["claude", "--resume", "c1e7e2f0"], 1, `${ROOT}/wts/my-app/clever-fox`)
  const dead = world.procs.spawn(["claude", "--resume", "7f3b9d21"], 1, `${ROOT}/wts/my-app/quiet-wren`)
  world.killProcess(dead.pid)
  world.writeFile(
    `${ROOT}/state.json`,
    // The fixture's root and pids (4242001: running, 4242002: dead), made this world's.
    FIXTURE.replaceAll("@ROOT@", ROOT)
      .replace('"pid": 4242001', `"pid": ${alive.pid}`)
      .replace('"pid": 4242002', `"pid": ${dead.pid}`)
  )
  const rk = createRekindleWithLayer({ repo: REPO }, () =>
    Layer.mergeAll(world.layer(), Layer.succeed(Clock.Clock, world.effectClock))
  )
  return { world, rk, alive }
}

describe("multiclaude import (FakeWorld)", () => {
  it("workers become tasks, persistent agents stay the daemon's, worktrees outside the clone are accepted", async () => {
    const { rk } = multiclaudeWorld()
    const { state } = await rk.importState(multiclaude({ root: ROOT }))
    expect(state.batchId).toBe("mc-my-app")
    expect(state.tasks.map((t) => [t.id, t.status, t.agent, t.conversationId ?? ""])).toEqual([
      ["brave-owl", "succeeded", "claude", "2b8d4e6f-0a1c-4e3f-9b5d-7c9e1f3a5b7d"],
      ["calm-lynx", "failed", "claude", "9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"],
      ["clever-fox", "running", "claude", "c1e7e2f0-3a4b-4c5d-8e9f-0a1b2c3d4e5f"],
      ["quiet-wren", "running", "claude", "7f3b9d21-6c4e-4b8a-a1d2-e3f405162738"]
    ])
    expect(state.tasks.find((t) => t.id === "quiet-wren")?.prompt).toBe("Fix the flaky login test")
    expect(state.tasks.some((t) => t.session !== undefined)).toBe(false) // windows of one session, not sessions
    expect(state.options?.mergePolicy).toBe("host")
    expect(state["importedFrom"]).toMatchObject({
      source: "multiclaude",
      leftToDaemon: ["merge-queue (merge-queue)", "supervisor (supervisor)", "workspace (workspace)"]
    })
    await rk.close()
  })

  it("decisions: the Claude alive outside its window is held, the dead worker resumes, finished ones are left; no merge", async () => {
    const { world, rk, alive } = multiclaudeWorld()
    await rk.importState(multiclaude({ root: ROOT }), { save: true })
    const report = await rk.plan()
    const action = (id: string) => report.decisions.find((d) => d.taskId === id)?.action
    expect([action("clever-fox"), action("quiet-wren")]).toEqual(["hold", "re-execute"])
    expect(report.plan.steps.some((s) => s._tag === "RetryMerge")).toBe(false)
    const r = await rk.resume({ supervise: false })
    expect(world.agents.launchesOf("quiet-wren").map((l) => [l.cwd, l.argv[0]])).toEqual([
      [`${ROOT}/wts/my-app/quiet-wren`, "claude"]
    ])
    expect(world.agents.launchesOf("clever-fox")).toEqual([])
    expect(world.procs.get(alive.pid)?.alive).toBe(true)
    expect(world.agents.launchesOf("brave-owl").length + world.agents.launchesOf("calm-lynx").length).toBe(0)
    expect(r.failedLaunches).toEqual([])
    await rk.close()
  })

  it("refuses while multiclaude's daemon lives, and asks which repository when the state does not say", async () => {
    const { world, rk } = multiclaudeWorld()
    const daemon = world.procs.spawn(["multiclaude", "daemon", "_run"])
    world.writeFile(`${ROOT}/daemon.pid`, `${daemon.pid}\n`)
    world.writeFile(`/proc/${daemon.pid}`, "") // the fake disk's view of a live pid
    const refused = await rk.importState(multiclaude({ root: ROOT })).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RekindleError)
    expect((refused as RekindleError).message).toContain(`daemon (pid ${daemon.pid}) is running`)
    const unknown = await rk.importState(multiclaude({ root: ROOT, repo: "nope" })).catch((e: unknown) => e)
    expect((unknown as RekindleError).message).toContain("multiclaude tracks my-app, other-lib")
    await rk.close()
  })
})
