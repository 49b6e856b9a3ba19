/**
 * Memory-only durability laws of StateStoreFs: a simulated power loss (MemoryFileSystem.crash) after
 * a completed save, after a crash at every step, with random legal write-back, and torn writes at
 * every byte of every data write. The main file always decodes to the previous or the new state.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { BatchState } from "../../../core/domain/State.ts"
import type { StateStoreShape } from "../../../core/ports/StateStore.ts"
import * as FaultyFileSystem from "../../../adapters/fs/FaultyFileSystem.ts"
import * as StateStoreFs from "../../../adapters/store/StateStoreFs.ts"
import { type FsWorld, memoryWorld, runIn } from "./harness.ts"
import { sampleState } from "./samples.ts"

const prev = sampleState(1)
const next = sampleState(2, { added: ["field"] })

/** A small deterministic PRNG (mulberry32) so random power losses are reproducible by seed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const use = <A, E>(w: FsWorld, f: (s: StateStoreShape) => Effect.Effect<A, E>, fs = w.fs) =>
  runIn(w, Effect.flatMap(StateStoreFs.make, f), fs)
const attempt = <A, E>(w: FsWorld, f: (s: StateStoreShape) => Effect.Effect<A, E>, fs = w.fs) =>
  runIn(w, Effect.exit(Effect.flatMap(StateStoreFs.make, f)), fs)
const current = async (w: FsWorld, file: string): Promise<BatchState | string> => {
  const r = await runIn(w, Effect.result(Effect.flatMap(StateStoreFs.make, (s) => s.load(file))))
  if (r._tag === "Failure") return `error: ${r.failure.message}`
  return r.success._tag === "Loaded" ? r.success.state : "missing"
}

const setup = async () => {
  const w = await memoryWorld()
  const file = `${w.dir}/b1/state.json`
  await use(w, (s) => s.save(file, sampleState(0)))
  await use(w, (s) => s.save(file, prev))
  return { w, file, memory: w.memory! }
}

const stepsOfOneSave = async (): Promise<{
  steps: number
  log: ReadonlyArray<string>
  writes: ReadonlyArray<number>
}> => {
  const { w, file } = await setup()
  const counter = FaultyFileSystem.make(w.fs)
  await use(w, (s) => s.save(file, next), counter.fs)
  const writes = counter.plan.log
    .filter((l) => / write(All|File)? /.test(l))
    .map((l) => Number(/\((\d+) bytes\)/.exec(l)![1]))
  return { steps: counter.plan.steps, log: counter.plan.log, writes }
}

/**
 * Where to tear a write of `length` bytes: the first and last 24 bytes, both sides of every line
 * break (between JSON members), the middle, and every 11th byte in between.
 */
const tearPoints = (length: number, text: string): ReadonlyArray<number> => {
  const points = new Set<number>()
  for (let i = 0; i <= Math.min(24, length); i++) points.add(i).add(length - i)
  const bytes = new TextEncoder().encode(text)
  bytes.forEach((b, i) => {
    if (b === 0x0a) points.add(i).add(i + 1)
  })
  for (let i = 0; i <= length; i += 11) points.add(i)
  points.add(Math.floor(length / 2))
  return [...points].filter((p) => p >= 0 && p <= length).sort((a, b) => a - b)
}

describe("StateStoreFs durability on MemoryFileSystem", { timeout: 120_000 }, () => {
  it("a power loss right after a completed save keeps the new state and the .bak", async () => {
    const { w, file, memory } = await setup()
    await use(w, (s) => s.save(file, next))
    memory.crash()
    expect(await current(w, file)).toEqual(next)
    expect(await current(w, `${file}.bak`)).toEqual(prev)
  })

  it("the very first save of a batch survives a power loss (new directories are fsynced too)", async () => {
    const w = await memoryWorld()
    const file = `${w.dir}/deep/er/state.json`
    await use(w, (s) => s.save(file, next))
    w.memory!.crash()
    expect(await current(w, file)).toEqual(next)
  })

  it("crash at every step, then power loss: previous or new, never missing or garbage", async () => {
    const { steps, log } = await stepsOfOneSave()
    for (let k = 0; k <= steps; k++) {
      const { w, file, memory } = await setup()
      const faulty = FaultyFileSystem.make(w.fs)
      faulty.plan.crashAtStep(k)
      await attempt(w, (s) => s.save(file, next), faulty.fs)
      memory.crash()
      expect([prev, next], `power loss after crash at step ${k} (${log[k]})`).toContainEqual(await current(w, file))
      expect([sampleState(0), prev], `.bak at step ${k}`).toContainEqual(await current(w, `${file}.bak`))
    }
  })

  it("crash at every step with random legal write-back (8 seeds per step)", async () => {
    const { steps } = await stepsOfOneSave()
    for (let k = 0; k <= steps; k++) {
      for (let seed = 1; seed <= 8; seed++) {
        const { w, file, memory } = await setup()
        const faulty = FaultyFileSystem.make(w.fs)
        faulty.plan.crashAtStep(k)
        await attempt(w, (s) => s.save(file, next), faulty.fs)
        memory.crash(rng(seed * 1000 + k))
        expect([prev, next], `step ${k}, seed ${seed}`).toContainEqual(await current(w, file))
      }
    }
  })

  it("a torn write at every byte-boundary class of every data write: previous or new (with and without power loss)", async () => {
    const { writes } = await stepsOfOneSave()
    expect(writes.length).toBe(2)
    const texts = [JSON.stringify(prev, null, 2), JSON.stringify(next, null, 2)]
    for (let which = 0; which < writes.length; which++) {
      for (const at of tearPoints(writes[which]!, texts[which]!)) {
        for (const powerLoss of [false, true]) {
          const { w, file, memory } = await setup()
          const faulty = FaultyFileSystem.make(w.fs)
          faulty.plan.tearNextWrite(at, which)
          const exit = await attempt(w, (s) => s.save(file, next), faulty.fs)
          expect(exit._tag, `write ${which} torn at ${at}`).toBe("Failure")
          if (powerLoss) memory.crash()
          expect([prev, next], `write ${which} torn at byte ${at}, power loss ${powerLoss}`).toContainEqual(
            await current(w, file)
          )
        }
      }
    }
  })
})
