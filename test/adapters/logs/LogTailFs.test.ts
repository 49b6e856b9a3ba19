/**
 * What only the in-memory world can observe: how many bytes the adapter actually read. Proves the
 * reader seeks (positional reads) instead of reading the file from the start.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import * as LogTailFs from "../../../adapters/logs/LogTailFs.ts"
import * as MemoryFileSystem from "../../../adapters/fs/MemoryFileSystem.ts"

const MiB = 1024 * 1024

describe("LogTailFs over the memory FileSystem", () => {
  it("catching up 1 MiB before the end of a 1 GiB log reads 1 MiB, not 1 GiB", async () => {
    const mem = MemoryFileSystem.make()
    await Effect.runPromise(
      Effect.all([
        mem.fs.makeDirectory("/logs"),
        mem.fs.writeFileString("/logs/big.log", "start\n"),
        mem.fs.truncate("/logs/big.log", 1024 * MiB - MiB),
        mem.fs.writeFile("/logs/big.log", new Uint8Array(MiB).fill(120), { flag: "a" })
      ])
    )
    const tail = LogTailFs.make(mem.fs)
    const before = mem.bytesRead()
    const got = await Effect.runPromise(tail.read("/logs/big.log", 1024 * MiB - MiB, 16 * MiB))
    expect(got.bytes.length).toBe(MiB)
    expect(mem.bytesRead() - before).toBe(MiB)
  })

  it("a bounded read touches at most maxBytes", async () => {
    const mem = MemoryFileSystem.make()
    await Effect.runPromise(
      Effect.andThen(mem.fs.makeDirectory("/logs"), mem.fs.writeFile("/logs/a.log", new Uint8Array(10_000).fill(1)))
    )
    const tail = LogTailFs.make(mem.fs)
    const before = mem.bytesRead()
    const got = await Effect.runPromise(tail.read("/logs/a.log", 100, 250))
    expect(got.bytes.length).toBe(250)
    expect(mem.bytesRead() - before).toBe(250)
  })
})
