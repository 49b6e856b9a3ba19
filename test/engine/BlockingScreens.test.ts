/**
 * The live supervisor and a screen that blocks work (core/engine/waves/BlockingScreens.ts over the FakeWorld): the
 * task is recorded waiting with the captured lines and announced ONCE however many polls see the screen; the stall
 * timeout does not fail it meanwhile; answered (the screen gone), it runs again; its end clears the wait.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FakeWorld, type AgentScript } from "../../adapters/testing.ts"
import { eventsPath } from "../../core/engine/support/Events.ts"
import { run } from "../../core/engine/usecases/Run.ts"
import { ExecutorEvents, ExecutorSettings, type ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import { REPO } from "../support/world.ts"

const MANIFEST = "/work/manifest.json"
const TRUST =
  "\n Accessing workspace:\n /repo\n ❯ No, exit\n   Yes, I trust this folder\n Enter to confirm · Esc to cancel\n"

const setup = (script: AgentScript) => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  world.agents.scripts.set("a", script)
  const manifest = {
    tasks: [{ id: "a", agent: "claude", prompt: "do a" }],
    options: { batchId: "b1", stallTimeoutSeconds: 5 }
  }
  world.writeFile(MANIFEST, JSON.stringify(manifest))
  return world
}

/** Run the batch; `on` sees every progress event (and may drive the world). */
const runWith = (world: FakeWorld, on: (ev: ExecutorEvent) => void) =>
  world.run(
    run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(
      Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 }),
      Effect.provideService(ExecutorEvents, (ev) => Effect.sync(() => on(ev)))
    )
  )

const waitingEvents = (world: FakeWorld) =>
  Effect.runSync(world.memory.fs.readFileString(eventsPath(REPO, "b1")))
    .split("\n")
    .filter((l) => l.includes('"task-waiting"'))
    .map((l) => JSON.parse(l) as { taskId: string; reason: string; lines: Array<string> })

describe("a screen that blocks work, under the live supervisor", () => {
  it("waiting once for a minute of polls, never stalled or failed meanwhile; the task's end clears it", async () => {
    const world = setup({ afterMs: 60_000, then: "succeed" })
    const changes: Array<string> = []
    const final = await runWith(world, (ev) => {
      if (ev._tag === "TaskLaunched") world.tmux.write(world.agents.current("a")!.paneId, TRUST)
      if (ev._tag === "TaskChanged") changes.push(ev.status)
    })
    expect(final.tasks[0]!.status).toBe("succeeded")
    expect(final.tasks[0]!.waiting, "the end clears the wait").toBeUndefined()
    expect(changes, "waiting, then done: never stalled").toEqual(["waiting", "succeeded"])
    const events = waitingEvents(world)
    expect(events).toHaveLength(1)
    expect(events[0]!.reason).toMatch(/^stopped at claude-trust: /)
    expect(events[0]!.lines).toContain("   Yes, I trust this folder")
    const history = (final.tasks[0]!.history ?? []).map((h) => h.event)
    expect(history.filter((e) => e.startsWith("waiting"))).toEqual(["waiting"])
  })

  it("answered (the screen gone from the pane), the task runs again and a later stall is judged as usual", async () => {
    const world = setup({ afterMs: 30_000, then: "succeed" })
    const changes: Array<string> = []
    const final = await runWith(world, (ev) => {
      const pane = world.agents.current("a")?.paneId
      if (ev._tag === "TaskLaunched") world.tmux.write(pane!, TRUST)
      if (ev._tag === "TaskChanged") changes.push(ev.status)
      // Someone attached and answered: the agent redraws its screen with its work.
      if (ev._tag === "TaskChanged" && ev.status === "waiting") world.tmux.write(pane!, "\n● working\n".repeat(80))
    })
    // Silent for 25 s after the answer, with a 5 s stall timeout: stalled, then given up on, as any running task.
    expect(changes).toEqual(["waiting", "running", "stalled", "failed"])
    expect(final.tasks[0]!.exitReason).toMatch(/no output/)
    const history = (final.tasks[0]!.history ?? []).map((h) => h.event)
    expect(history.filter((e) => e.startsWith("waiting"))).toEqual(["waiting", "waiting-ended"])
    expect(waitingEvents(world)).toHaveLength(1)
  })
})
