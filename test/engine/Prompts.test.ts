/**
 * At most once (DESIGN §5.3): a prompt answered just before the supervisor died is not answered
 * again; one that was typed but not submitted is submitted once; one whose intent was written but
 * that never reached the pane is sent (once).
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { makeApplying } from "../../core/engine/Applying.ts"
import { CrashPoint } from "../../core/engine/CrashPoints.ts"
import { deliverPrompt, seenInPane } from "../../core/engine/Prompts.ts"
import { resume } from "../../core/engine/Resume.ts"
import { loadState } from "../../core/engine/StateIO.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }
const deliver = (world: FakeWorld, crashAt?: string) =>
  world.runExit(Effect.gen(function*() {
    const ctx = yield* makeApplying(yield* loadState(ref))
    return yield* deliverPrompt(ctx, { taskId: "a", key: "answer-1", text: "yes, use postgres" })
  }).pipe(Effect.provideService(CrashPoint, (l) => (l === crashAt ? Effect.die("SIGKILL") : Effect.void))))

const submitted = (world: FakeWorld) => world.tmux.pane(paneOf(world, "a"))!.submitted.filter((l) => l === "yes, use postgres")

describe("prompt delivery", () => {
  it("answered just before the crash: resume confirms it and never types it again", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    await deliver(world, "prompt:after-send") // typed + Enter, then killed before recording "sent"
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    expect(submitted(world)).toHaveLength(1)
    expect((await readState(world)).prompts).toMatchObject([{ key: "answer-1", status: "confirmed" }])
  })

  it("intent written, killed before typing: resume sends it once", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    await deliver(world, "prompt:after-intent")
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    expect(submitted(world)).toHaveLength(1)
  })

  it("typed but not submitted: submitted once with Enter, not typed again", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    await deliver(world, "prompt:after-intent")
    world.tmux.type(paneOf(world, "a"), "yes, use postgres") // the crash hit between typing and Enter
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    expect(submitted(world)).toHaveLength(1)
    expect(world.tmux.pane(paneOf(world, "a"))!.input).toBe("")
  })

  it("delivering the same key twice sends once", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    await deliver(world)
    await deliver(world)
    await deliver(world)
    expect(submitted(world)).toHaveLength(1)
  })

  it("seenInPane tells typed from submitted", () => {
    expect(seenInPane(["$ agent", "> yes", ""], "yes")).toEqual({ seenTyped: true, seenSubmitted: false })
    expect(seenInPane(["> yes", "thinking…"], "yes")).toEqual({ seenTyped: false, seenSubmitted: true })
  })
})
