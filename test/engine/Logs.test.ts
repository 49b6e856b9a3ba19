/**
 * No log line lost or duplicated across supervisor restarts (DESIGN §5.4): agent output arrives in
 * arbitrary chunks (lines split anywhere, UTF-8 included), the supervisor tails and is killed at
 * arbitrary points — between the sink append and the checkpoint save among them — and the sink
 * ends up holding exactly the complete lines that were written, in order.
 */
import fc from "fast-check"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { describe, expect, it } from "vitest"
import { makeApplying } from "../../core/engine/apply/PlanContext.ts"
import { CrashPoint } from "../../core/engine/apply/CrashPoints.ts"
import { readSink, sinkEnds, tailPass } from "../../core/engine/support/Logs.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, paneOf, REPO, startBatch } from "../support/world.ts"

const RUNS = Number(process.env["REKINDLE_PROPERTY_RUNS"] ?? 100)

/** One supervisor pass; `crash` kills it right after the sink append. */
const pass = (world: FakeWorld, crash: boolean) =>
  world.runExit(
    Effect.gen(function* () {
      const ctx = yield* makeApplying(yield* loadState({ repoRoot: REPO, batchId: BATCH }))
      const ends = sinkEnds(yield* readSink(ctx.paths))
      yield* tailPass(ctx, ["a"], ends)
    }).pipe(
      Effect.provideService(CrashPoint, (label) =>
        crash && label === "logs:after-sink" ? Effect.die("SIGKILL") : Effect.void
      )
    )
  )

const sinkLines = (world: FakeWorld) =>
  world.run(
    Effect.gen(function* () {
      const ctx = yield* makeApplying(yield* loadState({ repoRoot: REPO, batchId: BATCH }))
      return (yield* readSink(ctx.paths)).filter((c) => c.task === "a").flatMap((c) => c.lines)
    })
  )

describe("supervised log tailing", () => {
  it("a crash between the sink append and the checkpoint save duplicates nothing", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    const pane = paneOf(world, "a")
    world.tmux.write(pane, "line 1\nline 2\npart")
    expect(Exit.isFailure(await pass(world, true))).toBe(true)
    world.tmux.write(pane, "ial\nline 3\n")
    expect(Exit.isSuccess(await pass(world, false))).toBe(true)
    expect(Exit.isSuccess(await pass(world, false))).toBe(true)
    expect(await sinkLines(world)).toEqual(["line 1", "line 2", "partial", "line 3"])
  })

  // Found by the outside tester: `printf 'final answer: 42'` then exit — in the pane log, never in the sink.
  it("regression: a finished task's unterminated last line reaches the sink once, as it is", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a" }])
    world.tmux.write(paneOf(world, "a"), "line 1\nfinal answer: 42")
    expect(Exit.isSuccess(await pass(world, false))).toBe(true)
    expect(await sinkLines(world)).toEqual(["line 1"]) // still running: the line may go on
    await world.run(
      Effect.gen(function* () {
        const ctx = yield* makeApplying(yield* loadState({ repoRoot: REPO, batchId: BATCH }))
        yield* ctx.updateTask("a", (t) => ({ ...t, status: "succeeded" }))
      })
    )
    expect(Exit.isSuccess(await pass(world, false))).toBe(true)
    expect(Exit.isSuccess(await pass(world, false))).toBe(true)
    expect(await sinkLines(world)).toEqual(["line 1", "final answer: 42"])
  })

  it("any chunking of the output and any crash pattern: the sink holds each complete line exactly once", async () => {
    const text = fc
      .array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("\n", "é", "日本", "🙂", "\r\n")), { maxLength: 30 })
      .map((xs) => xs.join(""))
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.array(fc.nat({ max: 40 }), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (s, cuts, crashes) => {
          const world = new FakeWorld()
          await startBatch(world, [{ id: "a" }])
          const pane = paneOf(world, "a")
          // Cut between code points (a pane receives bytes of whole characters; byte-level splits inside a
          // character are the line splitter's own property in test/domain/LogCheckpoint.test.ts).
          const chars = Array.from(s)
          const points = [...new Set(cuts.map((c) => Math.min(c, chars.length)))].sort((x, y) => x - y)
          let prev = 0
          let i = 0
          for (const p of [...points, chars.length]) {
            world.tmux.write(pane, chars.slice(prev, p).join(""))
            prev = p
            await pass(world, crashes[i++ % crashes.length]!)
          }
          await pass(world, false)
          const expected = s
            .split("\n")
            .slice(0, -1)
            .map((l) => l.replace(/\r$/, ""))
          expect(await sinkLines(world)).toEqual(expected)
        }
      ),
      { numRuns: RUNS }
    )
  })
})
