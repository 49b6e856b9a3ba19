/**
 * A supervisor that only watches long-running agents keeps its lease fresh. Liveness decides a lease only where the
 * owner can be checked (same host, same PID namespace); elsewhere a lease older than the stale limit is taken over.
 * A supervisor that renewed only between plan steps let its lease age for as long as its agents ran.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { batchPaths } from "../../core/domain/Layout.ts"
import { Lease } from "../../core/domain/State.ts"
import * as Schema from "effect/Schema"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { DEFAULT_LEASE_STALE_MS } from "../../core/engine/support/SupervisorLease.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { run } from "../../core/engine/usecases/Run.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, REPO, startBatch } from "../support/world.ts"

const MANIFEST = "/work/manifest.json"
const fast = Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })
const TEN_MINUTES = 600_000

/** Record, at every tick of fake time, how old the lease file's renewal is (while there is a lease file). */
const watchLease = (world: FakeWorld, batchId: string) => {
  const path = batchPaths(REPO, batchId).lease
  const ages: Array<number> = []
  const tick = world.agents.tick.bind(world.agents)
  world.agents.tick = () => {
    const text = Effect.runSync(world.memory.fs.readFileString(path).pipe(Effect.option))
    if (text._tag === "Some") {
      const lease = Schema.decodeUnknownSync(Lease)(JSON.parse(text.value))
      ages.push(world.clock.now() - lease.renewedAt)
    }
    tick()
  }
  return ages
}

describe("the supervisor lease while agents run for long", () => {
  // The lease was renewed between plan steps only: a supervisor watching a 10-minute agent left it unrenewed for
  // 10 minutes, and a resume from another host (whose liveness it cannot check) took over the live supervisor.
  it("regression: `run` watching a 10-minute agent renews its lease well inside the stale limit", async () => {
    const world = new FakeWorld()
    world.git.initRepo(REPO, { "README.md": "hello\n" })
    world.agents.scripts.set("a", { afterMs: TEN_MINUTES, then: "succeed" })
    world.writeFile(
      MANIFEST,
      JSON.stringify({ tasks: [{ id: "a", agent: "claude", prompt: "do a" }], options: { batchId: "b1" } })
    )
    const ages = watchLease(world, "b1")
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.phase).toBe("completed")
    expect(ages.length, "the lease was watched for the whole run").toBeGreaterThan(TEN_MINUTES / 1_000 - 10)
    expect(Math.max(...ages)).toBeLessThan(DEFAULT_LEASE_STALE_MS / 4)
  })

  it("a supervising `resume` watching a reconnected 10-minute agent renews it too", async () => {
    const world = new FakeWorld()
    world.agents.scripts.set("a", { afterMs: TEN_MINUTES, then: "succeed" })
    await startBatch(world, [{ id: "a" }])
    world.restartSupervisor()
    const ages = watchLease(world, BATCH)
    const r = await world.run(resume({ repoRoot: REPO, batchId: BATCH }).pipe(fast))
    expect(r.state.phase).toBe("completed")
    expect(ages.length).toBeGreaterThan(TEN_MINUTES / 1_000 - 10)
    expect(Math.max(...ages)).toBeLessThan(DEFAULT_LEASE_STALE_MS / 4)
  })
})
