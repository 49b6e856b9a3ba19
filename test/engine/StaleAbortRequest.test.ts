/**
 * An abort request a killed supervisor accepted, whose effect landed anyway (the batch is stopped): the next
 * supervisor closes it as done. It must not also end that supervisor's own work — a `resume --force` the user ran
 * after the stop carries out the plan it shows.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { batchPaths } from "../../core/domain/Layout.ts"
import { abort } from "../../core/engine/usecases/Abort.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { readRequests, writeRequest } from "../../core/engine/support/Requests.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }
const fast = Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })

describe("an abort request left accepted after the batch was stopped", () => {
  // Found by outside eyes: `abort --hard` under a supervisor SIGKILLed once it accepted the request, then a second
  // `abort --hard` with no supervisor stopped the batch. `plan --force` showed a relaunch, but `resume --force`
  // finished the stale request and stopped there: "an abort request stopped the batch", nothing relaunched.
  it("regression: resume --force closes it as done and carries out the plan it printed", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const paths = batchPaths(REPO, BATCH)
    const t0 = world.clock.now()
    await world.run(
      writeRequest(paths, {
        id: `${t0}-stale`,
        action: "abort",
        hard: true,
        requestedAt: t0,
        status: "accepted",
        acceptedAt: t0
      })
    )
    world.restartSupervisor()
    await world.run(abort(ref, { hard: true, graceMs: 1_000 }).pipe(fast))
    expect(world.agents.liveOf("a"), "the second abort stopped the agent").toHaveLength(0)
    const planned = await world.run(plan(ref, { force: true }))
    expect(planned.plan.steps.map((s) => s._tag)).toContain("RelaunchAgent")

    world.agents.scripts.set("a", { afterMs: 3_000, then: "succeed" })
    const r = await world.run(resume(ref, { force: true }).pipe(fast))
    expect(world.agents.launchesOf("a"), "relaunched once").toHaveLength(2)
    expect(r.state.phase).toBe("completed")
    const requests = await world.run(readRequests(paths))
    expect(requests).toEqual([expect.objectContaining({ action: "abort", status: "done" })])
  })
})
