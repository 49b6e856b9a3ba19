/**
 * Memory-only durability of JournalFs under each policy, proved with MemoryFileSystem power losses:
 * what `fsync-each` promises on return, what `fsync-batch` and `none` promise after `sync`, and that
 * a random legal write-back leaves a journal whose events are a prefix of what was appended.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { JournalDurability, JournalShape } from "../../../core/ports/Journal.ts"
import * as JournalFs from "../../../adapters/store/JournalFs.ts"
import { ev } from "../../contracts/Journal.contract.ts"
import { type FsWorld, memoryWorld, runIn } from "./harness.ts"

/** A journal whose scope stays open (a process that is about to lose power), plus its scope. */
const openJournal = async (w: FsWorld, durability: JournalDurability, batchSize = 4) => {
  const scope = await Effect.runPromise(Scope.make())
  const journal = await runIn(w, Scope.provide(scope)(JournalFs.make({ durability, batchSize })))
  return { journal, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const appendAll = (w: FsWorld, j: JournalShape, file: string, n: number, from = 0) =>
  runIn(
    w,
    Effect.forEach(
      Array.from({ length: n }, (_, i) => from + i),
      (i) => j.append(file, ev(`k${i}`, "info", i))
    )
  )

const keysAfterPowerLoss = async (w: FsWorld, file: string, random?: () => number) => {
  w.memory!.crash(random)
  const fresh = await openJournal(w, "fsync-each")
  const r = await runIn(w, fresh.journal.read(file))
  await fresh.close()
  return r
}

describe("JournalFs durability on MemoryFileSystem", () => {
  it("fsync-each: every append that returned survives a power loss", async () => {
    const w = await memoryWorld()
    const file = `${w.dir}/b1/events.jsonl`
    const { journal } = await openJournal(w, "fsync-each")
    await appendAll(w, journal, file, 10)
    const r = await keysAfterPowerLoss(w, file)
    expect(r.events.map((e) => e.at)).toEqual(Array.from({ length: 10 }, (_, i) => i))
    expect(r.tornTail).toBe(false)
  })

  it("none: unsynced appends are lost by a power loss; after sync they are kept", async () => {
    const w = await memoryWorld()
    const file = `${w.dir}/events.jsonl`
    const { journal } = await openJournal(w, "none")
    await appendAll(w, journal, file, 5)
    await runIn(w, journal.sync(file))
    await appendAll(w, journal, file, 5, 5)
    const r = await keysAfterPowerLoss(w, file)
    expect(r.events.map((e) => e.at)).toEqual([0, 1, 2, 3, 4])
  })

  it("fsync-batch: whole batches are durable; the rest after sync or when the journal closes", async () => {
    const w = await memoryWorld()
    const file = `${w.dir}/events.jsonl`
    const a = await openJournal(w, "fsync-batch", 4)
    await appendAll(w, a.journal, file, 10)
    expect((await keysAfterPowerLoss(w, file)).events).toHaveLength(8)

    const other = `${w.dir}/other.jsonl`
    const b = await openJournal(w, "fsync-batch", 4)
    await appendAll(w, b.journal, other, 6)
    await b.close()
    expect((await keysAfterPowerLoss(w, other)).events).toHaveLength(6)
  })

  it("random legal write-back under `none`: the events read are always a prefix of the appended ones", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.integer(), async (n, seed) => {
        const w = await memoryWorld()
        const file = `${w.dir}/events.jsonl`
        const { journal } = await openJournal(w, "none")
        await appendAll(w, journal, file, n)
        let s = seed
        const random = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 4294967296
        const r = await keysAfterPowerLoss(w, file, random)
        expect(r.events.map((e) => e.at)).toEqual(Array.from({ length: r.events.length }, (_, i) => i))
        expect(r.skipped).toBe(0)
      }),
      { numRuns: 100 }
    )
  })
})
