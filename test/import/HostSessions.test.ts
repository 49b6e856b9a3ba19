/**
 * A session holds more than the agent's pane: a window the host (or the user) opened beside it — a monitor, a shell.
 * rekindle stops only what is its task's; such a session is never killed whole, and a relaunch takes the next free
 * name beside it. FakeWorld, the facade an embedder uses.
 */
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { worldFacade } from "../support/facade.ts"
import { taskListAdapter } from "../support/host-adapter.ts"

const REPO = "/host/repo"
const STATE = `${REPO}/.host/run.json`
const WT = `${REPO}/.host/wt/t`

const adapter = taskListAdapter(REPO, STATE, "x1", "host")

/** The host's session `host-t`: its agent's pane (dead: SIGKILLed) and a live monitor window beside it. */
const hostWorld = () => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  world.addWorktree(REPO, WT, "host/t", "main")
  world.writeFile(
    STATE,
    JSON.stringify([{ id: "t", status: "running", worktree: WT, branch: "host/t", session: "host-t" }])
  )
  const agentPane = world.startSession("host-t", WT, ["job", "t"])
  world.tmux.crashPane(agentPane)
  const monitor = world.tmux.addPane(world.socket ?? "default", "host-t", ["monitor"], REPO)!
  return { world, monitor }
}

const panes = (world: FakeWorld) =>
  world.tmux.sessions().flatMap((s) => s.panes.map((p) => [s.name, p.id, p.process.alive, p.taskTag ?? "-"] as const))

describe("a session with a window of somebody else's beside the agent", () => {
  // Found by outside eyes: `resume` of an imported task whose host session also held a monitor window killed the
  // whole session — the monitor's process with it — and `clean` closed the session rekindle relaunched into, with
  // the window the host had opened there.
  it("regression: resume relaunches beside the host's session, never killing it; clean leaves the host's window", async () => {
    const { world, monitor } = hostWorld()
    world.agents.scripts.set("t", "work")
    const rk = worldFacade(world, REPO)
    await rk.importState(adapter, { save: true })
    await rk.resume({ supervise: false })
    expect(world.tmux.pane(monitor.id)?.process.alive, "the host's monitor lives").toBe(true)
    const relaunched = world.agents.liveOf("t")
    expect(relaunched).toHaveLength(1)
    const session = (await rk.status()).tasks[0]!.sessionName
    expect(session, "a free name beside the host's session").toBe("host-t-2")
    expect(panes(world).filter(([name]) => name === "host-t")).toEqual(
      expect.arrayContaining([["host-t", monitor.id, true, "-"]])
    )
    // Somebody opens a window in the session rekindle made; clean stops the agent, not that window.
    const visitor = world.tmux.addPane(world.socket ?? "default", "host-t-2", ["shell"], REPO)!
    await rk.abort({ hard: true, graceMs: 0 })
    await rk.clean({ dryRun: false })
    expect(world.agents.liveOf("t"), "the agent is stopped").toEqual([])
    expect(world.tmux.pane(visitor.id)?.process.alive, "the visitor's window lives").toBe(true)
    expect(world.tmux.pane(monitor.id)?.process.alive, "the host's monitor lives").toBe(true)
    await rk.close()
  })
})
