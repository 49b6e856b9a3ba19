/**
 * An interactive agent deaf to SIGHUP (Gemini CLI's launcher ignores SIGHUP, SIGINT and SIGTERM) stays at its prompt
 * after writing its done marker, and closing its session at the batch's end does not stop it: the finish stops the
 * agent rekindle recorded, so nothing of the batch runs on in a removed worktree (FakeWorld).
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { run } from "../../core/engine/usecases/Run.ts"
import { ExecutorEvents, ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { REPO } from "../support/world.ts"

const MANIFEST = "/work/manifest.json"

describe("an agent that outlives its session", () => {
  it("regression: a merged task's agent deaf to SIGHUP is stopped when the batch finishes (Gemini CLI lived on)", async () => {
    const world = new FakeWorld()
    world.git.initRepo(REPO, { "README.md": "hello\n" })
    world.agents.scripts.set("a", "ignore-hup")
    world.writeFile(
      MANIFEST,
      JSON.stringify({ tasks: [{ id: "a", agent: "gemini", prompt: "do a" }], options: { batchId: "b1" } })
    )
    const final = await world.run(
      run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(
        Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 }),
        Effect.provideService(ExecutorEvents, (ev) =>
          Effect.sync(() => {
            if (ev._tag === "TaskLaunched") world.agents.finish("a", "succeeded", true)
          })
        )
      )
    )
    expect(final.phase).toBe("completed")
    expect(final.tasks[0]!.status).toBe("succeeded")
    expect(world.agents.launchesOf("a")).toHaveLength(1)
    expect(world.agents.liveOf("a"), "no agent of the batch left running").toEqual([])
  })
})
