/**
 * The store layers compose: through the service tags, a state saved, an event journaled and a lease
 * acquired on the memory disk are all read back, and survive a simulated power loss.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { Journal } from "../../../core/ports/Journal.ts"
import { LeaseStore } from "../../../core/ports/Lease.ts"
import { StateStore } from "../../../core/ports/StateStore.ts"
import * as MemoryFileSystem from "../../../adapters/fs/MemoryFileSystem.ts"
import { layerMemory } from "../../../adapters/store/StoreLayers.ts"
import { identity, sampleState } from "./samples.ts"

describe("store layers over the memory disk", () => {
  it("state, journal and lease work through their tags and survive a power loss", async () => {
    const memory = MemoryFileSystem.make()
    const dir = "/repo/.rekindle/b1"
    const use = <A, E>(e: Effect.Effect<A, E, StateStore | Journal | LeaseStore>) =>
      Effect.runPromise(Effect.provide(e, layerMemory(memory)))
    await use(
      Effect.gen(function* () {
        yield* (yield* StateStore).save(`${dir}/state.json`, sampleState(1))
        yield* (yield* Journal).append(`${dir}/events.jsonl`, { at: 1, key: "k", phase: "intent", kind: "launch" })
        yield* (yield* LeaseStore).acquire(`${dir}/lease`, identity(1), 1)
      })
    )
    memory.crash()
    const [state, journal, lease] = await use(
      Effect.all([
        StateStore.use((s) => s.load(`${dir}/state.json`)),
        Journal.use((j) => j.read(`${dir}/events.jsonl`)),
        LeaseStore.use((l) => l.read(`${dir}/lease`))
      ])
    )
    expect(state).toEqual({ _tag: "Loaded", state: sampleState(1) })
    expect(journal.events.map((e) => e.key)).toEqual(["k"])
    expect(lease?.owner).toEqual(identity(1))
  })

  // Found by the kill -9 loop's fixture: StateStoreFs.layer and LeaseFs.layer are module constants that
  // Effect memoises, so a layerFs() provided over a second FileSystem used the first one's stores.
  it("regression: stores provided over a second disk inside the first write to the second", async () => {
    const outer = MemoryFileSystem.make()
    const inner = MemoryFileSystem.make()
    const path = "/repo/.rekindle/b1/state.json"
    await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          yield* (yield* StateStore).save(path, sampleState(1))
          yield* Effect.provide(
            Effect.gen(function* () {
              yield* (yield* StateStore).save(path, sampleState(2))
              yield* (yield* LeaseStore).acquire("/repo/.rekindle/b1/lease", identity(2), 2)
            }),
            layerMemory(inner)
          )
        }),
        layerMemory(outer)
      )
    )
    const load = (memory: MemoryFileSystem.MemoryFileSystem) =>
      Effect.runPromise(
        Effect.provide(
          Effect.all([StateStore.use((s) => s.load(path)), LeaseStore.use((l) => l.read("/repo/.rekindle/b1/lease"))]),
          layerMemory(memory)
        )
      )
    expect(await load(outer)).toEqual([{ _tag: "Loaded", state: sampleState(1) }, undefined])
    const [state, lease] = await load(inner)
    expect(state).toEqual({ _tag: "Loaded", state: sampleState(2) })
    expect(lease?.owner).toEqual(identity(2))
  })
})
