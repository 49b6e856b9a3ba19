/**
 * MemoryFileSystem must behave like the real FileSystem wherever the store adapters rely on it: the
 * same assertions run on both (open flags, O_NOFOLLOW, links, renames, modes, errno codes).
 */
import * as Effect from "effect/Effect"
import type * as PlatformError from "effect/PlatformError"
import { describe, expect, it } from "vitest"
import { errnoOf } from "../../../adapters/store/FsSafe.ts"
import { bytesOf, type FsWorld, inEachWorld, namesIn } from "./harness.ts"

const enc = new TextEncoder()
const txt = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const run = <A>(e: Effect.Effect<A, PlatformError.PlatformError>) => Effect.runPromise(e)
/** The failure's SystemError tag and errno name. */
const failure = async (e: Effect.Effect<unknown, PlatformError.PlatformError>) => {
  const err = await Effect.runPromise(Effect.flip(e))
  return [err.reason._tag, errnoOf(err)]
}
const mode = async (w: FsWorld, p: string) => (await run(w.fs.stat(p))).mode & 0o777

inEachWorld((name, withWorld) => {
  describe(`FileSystem semantics the store relies on: ${name}`, () => {
    it(
      "wx refuses any existing entry, a dangling symlink included",
      withWorld(async (w) => {
        await run(w.fs.writeFile(`${w.dir}/f`, enc.encode("1")))
        await run(w.fs.symlink(`${w.dir}/nowhere`, `${w.dir}/dangling`))
        expect(await failure(w.fs.writeFile(`${w.dir}/f`, enc.encode("2"), { flag: "wx" }))).toEqual([
          "AlreadyExists",
          "EEXIST"
        ])
        expect(await failure(w.fs.writeFile(`${w.dir}/dangling`, enc.encode("2"), { flag: "wx" }))).toEqual([
          "AlreadyExists",
          "EEXIST"
        ])
        expect(await bytesOf(w, `${w.dir}/nowhere`)).toBeUndefined()
      })
    )

    it(
      "noFollow refuses a symlink with ELOOP; without it the link is followed",
      withWorld(async (w) => {
        await run(w.fs.writeFile(`${w.dir}/target`, enc.encode("data")))
        await run(w.fs.symlink(`${w.dir}/target`, `${w.dir}/link`))
        expect(await failure(Effect.scoped(w.fs.open(`${w.dir}/link`, { flag: "r", noFollow: true })))).toEqual([
          "BadResource",
          "ELOOP"
        ])
        expect(txt(await bytesOf(w, `${w.dir}/link`))).toBe("data")
        expect((await run(w.fs.lstat(`${w.dir}/link`))).type).toBe("SymbolicLink")
        expect((await run(w.fs.stat(`${w.dir}/link`))).type).toBe("File")
        expect(await run(w.fs.readLink(`${w.dir}/link`))).toBe(`${w.dir}/target`)
      })
    )

    it(
      "append handles write at the end; a+ reads at a position",
      withWorld(async (w) => {
        const f = `${w.dir}/log`
        await run(
          Effect.scoped(
            Effect.gen(function* () {
              const h = yield* w.fs.open(f, { flag: "a+", mode: 0o600 })
              yield* h.write(enc.encode("one\n"))
              yield* h.write(enc.encode("two\n"))
              const b = new Uint8Array(3)
              expect(yield* h.read(b, { position: 4n })).toBe(3)
              expect(txt(b)).toBe("two")
              yield* h.sync
            })
          )
        )
        await run(Effect.scoped(Effect.flatMap(w.fs.open(f, { flag: "a" }), (h) => h.write(enc.encode("three\n")))))
        expect(txt(await bytesOf(w, f))).toBe("one\ntwo\nthree\n")
        expect(await mode(w, f)).toBe(0o600)
      })
    )

    it(
      "rename replaces atomically; link shares content and refuses an existing name",
      withWorld(async (w) => {
        await run(w.fs.writeFile(`${w.dir}/a`, enc.encode("A")))
        await run(w.fs.writeFile(`${w.dir}/b`, enc.encode("B")))
        await run(w.fs.rename(`${w.dir}/a`, `${w.dir}/b`))
        expect(await namesIn(w, w.dir)).toEqual(["b"])
        expect(txt(await bytesOf(w, `${w.dir}/b`))).toBe("A")
        expect(await failure(w.fs.rename(`${w.dir}/a`, `${w.dir}/c`))).toEqual(["NotFound", "ENOENT"])
        await run(w.fs.link(`${w.dir}/b`, `${w.dir}/c`))
        expect(txt(await bytesOf(w, `${w.dir}/c`))).toBe("A")
        expect(await failure(w.fs.link(`${w.dir}/b`, `${w.dir}/c`))).toEqual(["AlreadyExists", "EEXIST"])
      })
    )

    it(
      "modes: mkdir -p 0700 and files 0600 as asked; umask 022 trims a default 0666",
      withWorld(async (w) => {
        await run(w.fs.makeDirectory(`${w.dir}/x/y`, { recursive: true, mode: 0o700 }))
        await run(w.fs.writeFile(`${w.dir}/x/y/f`, enc.encode(""), { mode: 0o600 }))
        await run(w.fs.writeFile(`${w.dir}/x/g`, enc.encode("")))
        expect([await mode(w, `${w.dir}/x`), await mode(w, `${w.dir}/x/y`), await mode(w, `${w.dir}/x/y/f`)]).toEqual([
          0o700, 0o700, 0o600
        ])
        expect(await mode(w, `${w.dir}/x/g`)).toBe(0o644)
        await run(w.fs.makeDirectory(`${w.dir}/x/y`, { recursive: true }))
        expect(await failure(w.fs.makeDirectory(`${w.dir}/x/y`))).toEqual(["AlreadyExists", "EEXIST"])
      })
    )

    it(
      "symlinked directories are followed in the middle of a path; realPath resolves them",
      withWorld(async (w) => {
        await run(w.fs.makeDirectory(`${w.dir}/real`))
        await run(w.fs.symlink(`${w.dir}/real`, `${w.dir}/alias`))
        await run(w.fs.writeFile(`${w.dir}/alias/f`, enc.encode("via alias")))
        expect(txt(await bytesOf(w, `${w.dir}/real/f`))).toBe("via alias")
        expect(await run(w.fs.realPath(`${w.dir}/alias/f`))).toBe(await run(w.fs.realPath(`${w.dir}/real/f`)))
      })
    )

    it(
      "directories can be opened read-only and fsynced; remove needs recursive for them",
      withWorld(async (w) => {
        await run(w.fs.makeDirectory(`${w.dir}/d`))
        await run(w.fs.writeFile(`${w.dir}/d/f`, enc.encode("")))
        await run(Effect.scoped(Effect.flatMap(w.fs.open(`${w.dir}/d`, { flag: "r" }), (h) => h.sync)))
        expect((await Effect.runPromise(Effect.flip(w.fs.remove(`${w.dir}/d`))))._tag).toBe("PlatformError")
        await run(w.fs.remove(`${w.dir}/d`, { recursive: true }))
        await run(w.fs.remove(`${w.dir}/d`, { force: true }))
        expect(await namesIn(w, w.dir)).toEqual([])
      })
    )
  })
})
