import { describe, expect, it } from "vitest"
import { startDetachedSupervisor } from "../../core/engine/support/DetachedSupervisor.ts"
import { findOrphans } from "../../core/domain/index.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { readState, startBatch } from "../support/world.ts"

describe("detached supervisor", () => {
  it("runs in its own tagged session, is started once, and is never taken for an orphan", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const state = await readState(world)
    const argv = ["rekindle", "resume", "b1", "--foreground"]
    expect(await world.run(startDetachedSupervisor(state, argv))).toEqual({
      session: "rk-b1-supervisor",
      started: true
    })
    expect(await world.run(startDetachedSupervisor(state, argv))).toEqual({
      session: "rk-b1-supervisor",
      started: false
    })
    expect(
      world.tmux
        .sessions()
        .map((s) => s.name)
        .sort()
    ).toEqual(["rk-b1-a", "rk-b1-supervisor"])
    const panes = world.tmux.sessions().flatMap((s) =>
      s.panes.map((p) => ({
        sessionId: s.id,
        sessionName: s.name,
        paneId: p.id,
        panePid: p.process.pid,
        dead: false,
        currentCommand: "x",
        ...(p.taskTag === undefined ? {} : { taskTag: p.taskTag })
      }))
    )
    const orphans = findOrphans(
      [state],
      { repoRoot: state.repoRoot, tmux: { state: "up", panes }, worktrees: [], branches: [], merged: [] },
      { scope: "all" }
    )
    expect(orphans.filter((o) => o.kind === "session")).toEqual([])
  })

  it("a dead supervisor pane is replaced", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const state = await readState(world)
    await world.run(startDetachedSupervisor(state, ["rekindle"]))
    const pane = world.tmux.sessions().find((s) => s.name === "rk-b1-supervisor")!.panes[0]!
    world.exitPane(pane.id, 137)
    expect((await world.run(startDetachedSupervisor(state, ["rekindle"]))).started).toBe(true)
  })
})
