import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }

describe("resume over the FakeWorld", () => {
  it("reconnects a live agent, re-executes a crashed one, completes a finished one", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }, { id: "c" }])
    world.restartSupervisor()
    world.crashPane(paneOf(world, "b"))
    world.agents.finish("c")

    const before = await world.run(plan(ref))
    expect(before.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ["a", "reconnect"],
      ["b", "re-execute"],
      ["c", "mark-complete"]
    ])

    const r = await world.run(resume(ref, { supervise: false }))
    expect(r.outcome).toBe("resume_create")
    expect(world.agents.launchesOf("a")).toHaveLength(1)
    expect(world.agents.launchesOf("b")).toHaveLength(2)
    expect(world.agents.launchesOf("c")).toHaveLength(1)
    const state = await readState(world)
    expect(state.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ["a", "running", 1],
      ["b", "running", 2],
      ["c", "succeeded", 1]
    ])
  })

  // Found by the fault campaign (scripts/soak/Faults.ts, probing "tmux server killed"): the server died,
  // the agent (deaf to SIGHUP) lived on outside tmux; `restart a` saw no session to stop and
  // relaunched next to it — two live agents for one task. A relaunch now stops the recorded agent first.
  it("regression: restart after the tmux server died with its agent deaf to SIGHUP stops that agent before relaunching", async () => {
    const world = new FakeWorld()
    world.agents.scripts.set("a", "ignore-hup")
    await startBatch(world, [{ id: "a" }])
    world.killServer()
    world.restartSupervisor()
    expect(world.agents.liveOf("a")).toHaveLength(1)
    const r = await world.run(resume(ref, { restart: "a", supervise: false, graceMs: 1_000 }))
    expect(r.outcome).toBe("resume_restart")
    // The plan says so, too: the agent outside tmux is stopped before the relaunch.
    expect(r.applied.map((x) => x._tag)).toEqual(["StopSession", "SnapshotWip", "RelaunchAgent"])
    expect(world.agents.launchesOf("a")).toHaveLength(2)
    expect(world.agents.liveOf("a")).toHaveLength(1)
    expect((await readState(world)).tasks[0]!.attempts).toBe(2)
  })

  it("regression: a journal ending in a torn line (crash mid-append) is reported by resume, not only skipped silently", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.restartSupervisor()
    const journal = batchPaths(REPO, BATCH).journal
    const whole = Effect.runSync(Effect.orElseSucceed(world.memory.fs.readFileString(journal), () => ""))
    world.writeFile(journal, `${whole}{"key":"b1:x","pha`)
    const r = await world.run(resume(ref, { supervise: false }))
    expect(r.journalTornTail).toBe(true)
    expect(world.agents.launchesOf("a")).toHaveLength(1)
    const again = await world.run(resume(ref, { supervise: false }))
    expect(again.journalTornTail).toBe(false) // the next append started on its own line
  })

  // Found by the concurrency soak: the plan said "Hold: backing off: next relaunch in Ns", then the
  // executor that resume continued into saw the dead pane and failed the task for good.
  it("regression: a task held for its relaunch back-off is relaunched once the back-off passes, not failed by the executor", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.crashPane(paneOf(world, "a"))
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false })) // attempt 2, back-off set
    world.crashPane(paneOf(world, "a")) // dies again within its back-off
    world.restartSupervisor()
    world.agents.scripts.set("a", { afterMs: 2_000, then: "succeed" })
    const held = await world.run(plan(ref))
    expect(held.plan.steps.map((x) => x._tag)).toContain("Hold")
    const r = await world.run(
      resume(ref).pipe(Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 }))
    )
    expect(r.state.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([["a", "succeeded", 3]])
    expect(r.state.phase).toBe("completed")
    expect(world.agents.launchesOf("a")).toHaveLength(3)
  })

  it("relaunchConcurrency 3: after the tmux server died, each of 7 tasks is relaunched exactly once and every change is saved", async () => {
    const world = new FakeWorld()
    const ids = ["a", "b", "c", "d", "e", "f", "g"]
    await startBatch(
      world,
      ids.map((id) => ({ id }))
    )
    const start = await readState(world)
    await world.run(
      saveState(
        {
          ...start,
          options: {
            maxLanes: 8,
            failurePolicy: "stop-all",
            mergeFailurePolicy: "pause",
            stallTimeoutMs: 600_000,
            relaunchCap: 3,
            relaunchConcurrency: 3
          }
        },
        world.clock.now()
      )
    )
    world.killServer()
    world.restartSupervisor()
    const r = await world.run(resume(ref, { supervise: false }))
    expect(r.applied.filter((x) => x._tag === "RelaunchAgent").map((x) => x.taskId)).toEqual(ids)
    for (const id of ids) {
      expect(world.agents.launchesOf(id), id).toHaveLength(2)
      expect(world.agents.liveOf(id), id).toHaveLength(1)
    }
    // Saves ran one at a time: no task's relaunch was lost to another task's save.
    const state = await readState(world)
    expect(state.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual(ids.map((id) => [id, "running", 2]))
    const again = await world.run(resume(ref, { supervise: false }))
    expect(again.applied.filter((x) => x._tag === "RelaunchAgent")).toEqual([])
  })

  it("resuming twice in a row relaunches nothing the second time", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }])
    world.restartSupervisor()
    world.crashPane(paneOf(world, "a"))
    await world.run(resume(ref, { supervise: false }))
    world.restartSupervisor()
    const again = await world.run(resume(ref, { supervise: false }))
    expect(again.outcome).toBe("resume_attach")
    expect(world.agents.launchesOf("a")).toHaveLength(2)
    expect(world.agents.launchesOf("b")).toHaveLength(1)
  })

  it("refuses while another live supervisor holds the lease (E_LOCKED with the owner)", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const { acquireLease } = await import("../../core/engine/support/SupervisorLease.ts")
    const { batchPaths } = await import("../../core/domain/Layout.ts")
    await world.run(acquireLease(batchPaths(REPO, BATCH).lease))
    const other = world.supervisor
    world.supervisor = world.procs.spawn(["rekindle", "other"]) // a second, live supervisor
    const exit = await world.runExit(resume(ref))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(JSON.stringify(exit)).toContain("E_LOCKED")
    expect(JSON.stringify(exit)).toContain(String(other.pid))
  })

  it("takes over the lease of a dead supervisor", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const { acquireLease } = await import("../../core/engine/support/SupervisorLease.ts")
    const { batchPaths } = await import("../../core/domain/Layout.ts")
    await world.run(acquireLease(batchPaths(REPO, BATCH).lease))
    world.restartSupervisor() // the holder is SIGKILLed
    const r = await world.run(resume(ref, { supervise: false }))
    expect(r.outcome).toBe("resume_attach")
  })
})

describe("status", () => {
  it("joins state and live signals: liveness, attempts, and what the agent is doing", async () => {
    const { status } = await import("../../core/engine/usecases/Status.ts")
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }, { id: "b" }])
    world.tmux.write(paneOf(world, "a"), "Editing files\nDo you want to proceed? (y/n)\n")
    world.tmux.write(paneOf(world, "b"), "step 1/3\n")
    world.advanceClock(5_000)
    world.tmux.write(paneOf(world, "b"), "step 2/3\n")
    world.crashPane(paneOf(world, "b"))
    const report = await world.run(status(ref))
    expect(report.tasks.map((t) => [t.id, t.session, t.agent, t.attempts, t.activity])).toEqual([
      ["a", "alive", "alive", 1, "waiting-for-input"],
      ["b", "dead-pane", "gone", 1, "exited"]
    ])
    expect(report.counts.running).toBe(2)
  })
})
