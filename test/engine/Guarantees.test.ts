/**
 * The five guarantee violations found from the outside (issue 13), pinned in the FakeWorld model. The
 * same scenarios run on the real machine, through the CLI only, in test/blackbox/.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { sessionNameFor } from "../../core/domain/index.ts"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { repair } from "../../core/engine/usecases/Repair.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { prepare } from "../../core/engine/usecases/Run.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }
const fast = Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })

/** A user's own session on the batch's server, untagged (what `tmux new -s <name> sleep 300` makes). */
const userSession = (world: FakeWorld, name: string) => {
  const pane = world.tmux.launch("default", {
    name,
    cwd: "/",
    argv: ["sleep", "300"],
    env: {},
    taskTag: undefined,
    logFile: undefined
  })
  if (pane === "duplicate") throw new Error(`session ${name} exists`)
  return pane
}

describe("issue 13 guarantees over the FakeWorld", () => {
  it("regression: machine crash with 3+ running agents is resumed — agents killed with the server are no relaunch storm", async () => {
    const world = new FakeWorld()
    await startBatch(
      world,
      ["t0", "t1", "t2", "t3"].map((id) => ({ id }))
    )
    world.killServer()
    world.restartSupervisor()
    const before = await world.run(plan(ref))
    expect(before.storm).toBeUndefined()
    expect(before.plan.steps.filter((s) => s._tag === "RelaunchAgent")).toHaveLength(4)
    const r = await world.run(resume(ref, { supervise: false }))
    expect(r.outcome).toBe("resume_create")
    for (const id of ["t0", "t1", "t2", "t3"]) {
      expect(world.agents.launchesOf(id)).toHaveLength(2)
      expect(world.agents.liveOf(id)).toHaveLength(1)
    }
  })

  it("regression: an agent failing while no supervisor runs is not run twice — failed with its exit status, as a live supervisor records it", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.restartSupervisor()
    world.exitPane(paneOf(world, "a"), 3)
    const r = await world.run(resume(ref, { supervise: false }))
    expect(world.agents.launchesOf("a")).toHaveLength(1)
    const a = r.state.tasks.find((t) => t.id === "a")!
    expect([a.status, a.exitStatus]).toEqual(["failed", 3])
  })

  it("regression: an agent killed from outside (a signal, no exit status) while no supervisor runs is re-executed", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.restartSupervisor()
    world.killProcess(world.agents.current("a")!.pid)
    await world.run(resume(ref, { supervise: false }))
    expect(world.agents.launchesOf("a")).toHaveLength(2)
  })

  it("regression: a user's own tmux session named like a task session is never adopted, stopped or killed", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.killServer() // the task's session is gone with its server…
    world.restartSupervisor()
    const user = userSession(world, sessionNameFor(BATCH, "a")) // …and the user made one of that name
    const decided = await world.run(plan(ref))
    expect(decided.decisions[0]).toMatchObject({ action: "re-execute", evidence: { session: "absent" } })
    const r = await world.run(resume(ref, { supervise: false }))
    expect(world.procs.get(user.process.pid)?.alive).toBe(true)
    expect(world.tmux.sessions().map((s) => s.name)).toContain(sessionNameFor(BATCH, "a"))
    // The relaunch took the next free name, recorded in the state.
    const a = r.state.tasks.find((t) => t.id === "a")!
    expect(a.session).toBe(`${sessionNameFor(BATCH, "a")}-2`)
    expect(world.agents.liveOf("a")).toHaveLength(1)
  })

  it("regression: two batches on one server the same day get distinct session names (the whole batch id)", () => {
    const [x, y] = ["20261205-101500-aaaa", "20261205-101500-bbbb"].map((b) => sessionNameFor(b, "slow"))
    expect(x).not.toBe(y)
  })

  it("regression: run refuses a second batch of a manifest whose first batch is unfinished (E_UNFINISHED_BATCH), unless --new", async () => {
    const world = new FakeWorld()
    world.git.initRepo(REPO, { "README.md": "hello\n" })
    const manifest = "/work/m.json"
    world.writeFile(manifest, JSON.stringify({ tasks: [{ id: "slow", agent: "claude", prompt: "p" }] }))
    const first = await world.run(prepare({ repoRoot: REPO, manifestPath: manifest, batchId: "x1" }))
    await world.run(saveState({ ...first, phase: "executing" }, world.clock.now()))
    const refused = JSON.stringify(
      await world.runExit(prepare({ repoRoot: REPO, manifestPath: manifest, batchId: "x2" }))
    )
    expect(refused).toContain("E_UNFINISHED_BATCH")
    expect(refused).toContain("rekindle resume x1")
    expect(
      Effect.runSync(Effect.orElseSucceed(world.memory.fs.exists(batchPaths(REPO, "x2").state), () => false))
    ).toBe(false)
    const again = await world.run(prepare({ repoRoot: REPO, manifestPath: manifest, batchId: "x2", allowNew: true }))
    expect(again.batchId).toBe("x2")
  })

  it("regression: a batch completed by resume leaves nothing behind (worktrees, branches, sessions)", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }])
    world.agents.finish("a")
    world.agents.finish("b")
    world.restartSupervisor() // killed after the last marker, before the merge
    const r = await world.run(resume(ref).pipe(fast))
    expect(r.state.phase).toBe("completed")
    const repo = world.git.repoAt(REPO)!
    for (const t of r.state.tasks) {
      expect(world.git.worktreeAt(t.worktree!)).toBeUndefined()
      expect(world.git.resolve(repo, `refs/heads/${t.branch!}`)).toBeUndefined()
      expect(t.worktreeArchived).toBe(true)
    }
    expect(world.tmux.sessions().filter((s) => s.name.startsWith(`rk-${BATCH}-`))).toEqual([])
  })

  it("regression: repair finishes the cleanup of a completed batch whose worktrees were left behind", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.agents.finish("a")
    world.restartSupervisor()
    await world.run(resume(ref).pipe(fast))
    // What an older version left: completed, its task's worktree still recorded and present.
    const done = await readState(world)
    const a = done.tasks[0]!
    const { worktreeArchived: _, ...unarchived } = a
    await startWorktreeAgain(world, a.worktree!, a.branch!)
    await world.run(saveState({ ...done, tasks: [unarchived] }, world.clock.now()))
    const dry = await world.run(repair(ref, { dryRun: true }))
    expect(dry.orphans.map((o) => o.kind)).toEqual(["leftover"])
    expect(world.git.worktreeAt(a.worktree!)).toBeDefined()
    await world.run(repair(ref, { dryRun: false }))
    expect(world.git.worktreeAt(a.worktree!)).toBeUndefined()
    expect((await readState(world)).tasks[0]!.worktreeArchived).toBe(true)
  })

  // Found by the soak's new "agent fails during downtime" mode: resume marked the failed task's
  // dependents `blocked` whatever the failure policy; an uninterrupted run skips them (skip-dependents)
  // or leaves them pending and pauses (stop-wave).
  it("regression: a failure no supervisor saw is followed by the failure policy — skip-dependents skips its dependents", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b", dependsOn: ["a"] }, { id: "c" }], [["a", "c"], ["b"]])
    const s = await readState(world)
    await world.run(
      saveState(
        {
          ...s,
          options: {
            maxLanes: 4,
            failurePolicy: "skip-dependents",
            mergeFailurePolicy: "pause",
            stallTimeoutMs: 900_000,
            relaunchCap: 3
          }
        },
        world.clock.now()
      )
    )
    world.restartSupervisor()
    world.exitPane(paneOf(world, "a"), 3)
    world.agents.finish("c")
    const r = await world.run(resume(ref).pipe(fast))
    const byId = Object.fromEntries(r.state.tasks.map((t) => [t.id, [t.status, t.exitReason]]))
    expect(byId["a"]![0]).toBe("failed")
    expect(byId["b"]).toEqual(["skipped", "a dependency failed (failure policy skip-dependents)"])
    expect(world.agents.launchesOf("b")).toHaveLength(0)
  })

  it("regression: under stop-wave a failure no supervisor saw lets no further wave start: dependents stay pending, the batch pauses", async () => {
    const world = new FakeWorld()
    await startBatch(
      world,
      [{ id: "a" }, { id: "c" }, { id: "b", dependsOn: ["a"] }, { id: "d" }],
      [
        ["a", "c"],
        ["b", "d"]
      ]
    )
    world.restartSupervisor()
    world.exitPane(paneOf(world, "a"), 3)
    world.agents.finish("c")
    const planned = await world.run(plan(ref))
    expect(planned.stoppedByPolicy).toMatch(/^a failed while no supervisor ran: failure policy stop-wave/)
    expect(planned.plan.steps.some((x) => x._tag === "ContinueFromWave")).toBe(false)
    const r = await world.run(resume(ref).pipe(fast))
    expect(r.state.phase).toBe("paused")
    expect(r.state.tasks.map((t) => [t.id, t.status])).toEqual([
      ["a", "failed"],
      ["c", "succeeded"],
      ["b", "pending"],
      ["d", "pending"]
    ])
    expect(world.agents.launchesOf("d")).toHaveLength(0)
  })
})

/** Re-create a removed task worktree on its (merged) branch, as an interrupted cleanup leaves it. */
const startWorktreeAgain = (world: FakeWorld, path: string, branch: string) =>
  world.run(
    Effect.gen(function* () {
      yield* (yield* Worktrees).add(REPO, { path, branch, base: "main" })
    })
  )
