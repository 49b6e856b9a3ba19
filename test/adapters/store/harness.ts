/**
 * The two worlds every store contract runs in: the MemoryFileSystem (with its power-loss driver) and
 * the real disk through NodeServices in a private temp directory. Contracts receive an `FsWorld`
 * and build the adapters over `world.fs` (or a FaultyFileSystem wrapped around it).
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FakeClock } from "../../../adapters/testing/World.ts"
import * as MemoryFileSystem from "../../../adapters/fs/MemoryFileSystem.ts"

/** A file system to test against. */
export interface FsWorld {
  readonly kind: "memory" | "real"
  readonly fs: FileSystem.FileSystem
  readonly path: Path.Path
  /** A fresh, empty absolute directory owned by the test. */
  readonly dir: string
  /** Present in the memory world: the power-loss driver and tree. */
  readonly memory: MemoryFileSystem.MemoryFileSystem | undefined
  readonly clock: FakeClock
  readonly cleanup: () => Promise<void>
}

/** A memory world (permission bits enforced, like a non-root user). */
export const memoryWorld = async (): Promise<FsWorld> => {
  const clock = new FakeClock()
  const memory = MemoryFileSystem.make({ clock })
  const path = Effect.runSync(
    Effect.provide(
      Path.Path.useSync((p) => p),
      Path.layer
    )
  )
  const dir = await Effect.runPromise(memory.fs.makeTempDirectory({ prefix: "rk-store-" }))
  memory.syncAll() // the test directory itself must survive a simulated power loss
  return { kind: "memory", fs: memory.fs, path, dir, memory, clock, cleanup: async () => {} }
}

/** A real world: NodeServices' FileSystem in a mkdtemp directory removed afterwards. */
export const realWorld = async (): Promise<FsWorld> => {
  const { fs, path } = await Effect.runPromise(
    Effect.all({ fs: FileSystem.FileSystem.useSync((f) => f), path: Path.Path.useSync((p) => p) }).pipe(
      Effect.provide(NodeServices.layer)
    )
  )
  const dir = mkdtempSync(join(tmpdir(), "rk-store-"))
  return {
    kind: "real",
    fs,
    path,
    dir,
    memory: undefined,
    clock: new FakeClock(),
    cleanup: async () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Run `effect` with `fs` (default: the world's) and the world's Path. */
export const runIn = <A, E>(
  world: FsWorld,
  effect: Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>,
  fs: FileSystem.FileSystem = world.fs
): Promise<A> =>
  Effect.runPromise(
    effect.pipe(Effect.provideService(FileSystem.FileSystem, fs), Effect.provideService(Path.Path, world.path))
  )

/** Run `effect` and return its failure (fails the test if it succeeds). */
export const failureIn = <A, E>(
  world: FsWorld,
  effect: Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>,
  fs: FileSystem.FileSystem = world.fs
): Promise<E> => runIn(world, Effect.flip(effect), fs)

/** Bytes of a file through the world's FileSystem, or undefined when missing. */
export const bytesOf = (world: FsWorld, file: string): Promise<Uint8Array | undefined> =>
  Effect.runPromise(world.fs.readFile(file).pipe(Effect.catch(() => Effect.succeed(undefined))))

/** Names in `dir` (empty when missing). */
export const namesIn = (world: FsWorld, dir: string): Promise<ReadonlyArray<string>> =>
  Effect.runPromise(
    world.fs.readDirectory(dir).pipe(
      Effect.map((n) => [...n].sort()),
      Effect.catch(() => Effect.succeed([]))
    )
  )

/** Register `suite` once per world; each test gets a fresh world. */
export const inEachWorld = (
  suite: (name: string, withWorld: (f: (w: FsWorld) => Promise<void>) => () => Promise<void>) => void
): void => {
  for (const [name, make] of [
    ["memory", memoryWorld],
    ["real", realWorld]
  ] as const) {
    suite(name, (f) => async () => {
      const w = await make()
      try {
        await f(w)
      } finally {
        await w.cleanup()
      }
    })
  }
}
