/**
 * What only the memory file system models: power loss (unsynced data, renames and new entries are
 * dropped), handles dying with the process, permission bits for a non-root user, FakeClock mtimes,
 * and clear failures for the members it does not implement. The "naive saver" tests show the model
 * has teeth: a writer that skips an fsync is caught.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import * as Stream from "effect/Stream"
import { describe, expect, it } from "vitest"
import { errnoOf } from "../../../adapters/store/FsSafe.ts"
import * as MemoryFileSystem from "../../../adapters/fs/MemoryFileSystem.ts"
import { FakeClock } from "../../../adapters/testing/World.ts"

const enc = new TextEncoder()
const txt = (b: Uint8Array) => new TextDecoder().decode(b)
const run = <A>(e: Effect.Effect<A, PlatformError.PlatformError>) => Effect.runSync(e)
const errno = (e: Effect.Effect<unknown, PlatformError.PlatformError>) => errnoOf(Effect.runSync(Effect.flip(e)))

const fresh = () => {
  const clock = new FakeClock()
  const m = MemoryFileSystem.make({ clock })
  run(m.fs.makeDirectory("/d", { recursive: true, mode: 0o700 }))
  m.syncAll()
  return { m, fs: m.fs, clock }
}
const read = (fs: MemoryFileSystem.MemoryFileSystem["fs"], p: string) => Effect.runSync(Effect.option(fs.readFile(p)))
const syncFile = (fs: MemoryFileSystem.MemoryFileSystem["fs"], p: string) =>
  run(Effect.scoped(Effect.flatMap(fs.open(p, { flag: "r" }), (h) => h.sync)))
const syncDir = syncFile

describe("MemoryFileSystem power loss", () => {
  it("drops data written but never fsynced, keeps data that was", () => {
    const { m, fs } = fresh()
    run(fs.writeFile("/d/f", enc.encode("durable")))
    syncFile(fs, "/d/f")
    syncDir(fs, "/d")
    run(fs.writeFile("/d/f", enc.encode("volatile!")))
    expect(m.durableBytes("/d/f")).toEqual(enc.encode("durable"))
    m.crash()
    expect(txt(Option.getOrThrow(read(fs, "/d/f")))).toBe("durable")
  })

  it("a new file whose directory was not fsynced vanishes, even if its data was fsynced", () => {
    const { m, fs } = fresh()
    run(fs.writeFile("/d/new", enc.encode("x")))
    syncFile(fs, "/d/new")
    m.crash()
    expect(Option.isNone(read(fs, "/d/new"))).toBe(true)
  })

  it("an unsynced rename is undone; after the directory fsync it stays", () => {
    const { m, fs } = fresh()
    run(fs.writeFile("/d/a", enc.encode("A")))
    syncFile(fs, "/d/a")
    syncDir(fs, "/d")
    run(fs.rename("/d/a", "/d/b"))
    m.crash()
    expect(Option.isSome(read(fs, "/d/a"))).toBe(true)
    expect(Option.isNone(read(fs, "/d/b"))).toBe(true)
    run(fs.rename("/d/a", "/d/b"))
    syncDir(fs, "/d")
    m.crash()
    expect(txt(Option.getOrThrow(read(fs, "/d/b")))).toBe("A")
  })

  it("random write-back keeps an ordered prefix of unsynced appends", () => {
    for (let seed = 0; seed < 50; seed++) {
      const { m, fs } = fresh()
      run(fs.writeFile("/d/log", enc.encode("0\n")))
      syncFile(fs, "/d/log")
      syncDir(fs, "/d")
      for (let i = 1; i < 10; i++) run(fs.writeFile("/d/log", enc.encode(`${i}\n`), { flag: "a" }))
      let s = seed
      m.crash(() => (s = (s * 9301 + 49297) % 233280) / 233280)
      const kept = txt(Option.getOrThrow(read(fs, "/d/log")))
      expect("0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n".startsWith(kept)).toBe(true)
      expect(kept.startsWith("0\n")).toBe(true)
    }
  })

  it("file handles opened before a crash are dead after it", () => {
    const { m, fs } = fresh()
    const e = Effect.runSync(
      Effect.flip(
        Effect.scoped(
          Effect.gen(function* () {
            const h = yield* fs.open("/d/f", { flag: "w" })
            m.crash()
            yield* h.write(enc.encode("late"))
          })
        )
      )
    )
    expect(errnoOf(e)).toBe("EBADF")
  })

  it("teeth: a saver that skips the file fsync loses the new file's content", () => {
    const { m, fs } = fresh()
    run(fs.writeFile("/d/state.tmp", enc.encode("new state")))
    run(fs.rename("/d/state.tmp", "/d/state"))
    syncDir(fs, "/d")
    m.crash()
    expect(txt(Option.getOrThrow(read(fs, "/d/state")))).toBe("")
  })
})

describe("MemoryFileSystem permissions, clock, and what it does not implement", () => {
  it("owner permission bits are enforced (non-root), and can be switched off", () => {
    const { m, fs } = fresh()
    run(fs.writeFile("/d/ro", enc.encode("x"), { mode: 0o400 }))
    expect(errno(fs.writeFile("/d/ro", enc.encode("y")))).toBe("EACCES")
    run(fs.chmod("/d", 0o500))
    expect(errno(fs.writeFile("/d/new", enc.encode("y")))).toBe("EACCES")
    expect(errno(fs.rename("/d/ro", "/d/ro2"))).toBe("EACCES")
    m.tree.enforcePermissions = false
    run(fs.writeFile("/d/new", enc.encode("y")))
  })

  it("mtimes come from the FakeClock", () => {
    const { fs, clock } = fresh()
    clock.advance(60_000)
    run(fs.writeFile("/d/f", enc.encode("x")))
    expect(Option.getOrThrow(run(fs.stat("/d/f")).mtime).getTime()).toBe(clock.now())
  })

  it("a symlink loop is ELOOP, a file used as a directory ENOTDIR", () => {
    const { fs } = fresh()
    run(fs.symlink("/d/b", "/d/a"))
    run(fs.symlink("/d/a", "/d/b"))
    expect(errno(fs.readFile("/d/a"))).toBe("ELOOP")
    run(fs.writeFile("/d/file", enc.encode("")))
    expect(errno(fs.readFile("/d/file/x"))).toBe("ENOTDIR")
  })

  it("members it does not model fail clearly instead of pretending", () => {
    const { fs } = fresh()
    for (const e of [fs.chown("/d", 0, 0), fs.copy("/d", "/e"), Stream.runDrain(fs.watch("/d"))]) {
      const err = Effect.runSync(Effect.flip(e))
      expect(err.reason._tag).toBe("BadArgument")
      expect(err.message).toContain("MemoryFileSystem does not implement")
    }
  })
})
