/**
 * FaultyFileSystem over both the memory and the real file system: step counting, one-shot
 * failures, process death at a step (everything after fails, reads included), torn writes, and a
 * full disk that refuses data but not metadata operations.
 */
import * as Effect from "effect/Effect"
import type * as PlatformError from "effect/PlatformError"
import { describe, expect, it } from "vitest"
import * as FaultyFileSystem from "../../../adapters/fs/FaultyFileSystem.ts"
import { errnoOf } from "../../../adapters/store/FsSafe.ts"
import { bytesOf, inEachWorld } from "./harness.ts"

const enc = new TextEncoder()
const run = <A>(e: Effect.Effect<A, PlatformError.PlatformError>) => Effect.runPromise(e)
const errno = async (e: Effect.Effect<unknown, PlatformError.PlatformError>) =>
  errnoOf(await Effect.runPromise(Effect.flip(e)))

inEachWorld((name, withWorld) => {
  describe(`FaultyFileSystem over ${name}`, () => {
    it(
      "counts write-like steps only, and logs them",
      withWorld(async (w) => {
        const { fs, plan } = FaultyFileSystem.make(w.fs)
        await run(fs.makeDirectory(`${w.dir}/d`))
        await run(
          Effect.scoped(
            Effect.gen(function* () {
              const h = yield* fs.open(`${w.dir}/d/f`, { flag: "wx" })
              yield* h.writeAll(enc.encode("abc"))
              yield* h.sync
            })
          )
        )
        await run(fs.readFile(`${w.dir}/d/f`))
        await run(fs.stat(`${w.dir}/d/f`))
        await run(fs.rename(`${w.dir}/d/f`, `${w.dir}/d/g`))
        expect(plan.steps).toBe(5)
        expect(plan.log.map((l) => l.split(" ")[1])).toEqual(["makeDirectory", "open", "writeAll", "sync", "rename"])
      })
    )

    it(
      "failStep fails exactly the k-th step, once",
      withWorld(async (w) => {
        const { fs, plan } = FaultyFileSystem.make(w.fs)
        plan.failStep(1, "NoSpace")
        await run(fs.writeFile(`${w.dir}/a`, enc.encode("1")))
        expect(await errno(fs.writeFile(`${w.dir}/b`, enc.encode("2")))).toBe("ENOSPC")
        await run(fs.writeFile(`${w.dir}/b`, enc.encode("2")))
        expect(plan.crashed).toBe(false)
      })
    )

    it(
      "crashAtStep: that step never happens and every later operation fails, reads too",
      withWorld(async (w) => {
        const { fs, plan } = FaultyFileSystem.make(w.fs)
        await run(fs.writeFile(`${w.dir}/a`, enc.encode("1")))
        plan.crashAtStep(0)
        expect(await errno(fs.rename(`${w.dir}/a`, `${w.dir}/b`))).toBe("ECRASHED")
        expect(await errno(fs.readFile(`${w.dir}/a`))).toBe("ECRASHED")
        expect(await errno(fs.stat(`${w.dir}/a`))).toBe("ECRASHED")
        expect(await bytesOf(w, `${w.dir}/b`)).toBeUndefined()
      })
    )

    it(
      "tearNextWrite writes only a prefix, then the process is dead",
      withWorld(async (w) => {
        const { fs, plan } = FaultyFileSystem.make(w.fs)
        plan.tearNextWrite(4, 1)
        await run(fs.writeFile(`${w.dir}/first`, enc.encode("untouched")))
        expect(await errno(fs.writeFile(`${w.dir}/f`, enc.encode("0123456789")))).toBe("ECRASHED")
        expect(new TextDecoder().decode(await bytesOf(w, `${w.dir}/f`))).toBe("0123")
        expect(new TextDecoder().decode(await bytesOf(w, `${w.dir}/first`))).toBe("untouched")
        expect(plan.crashed).toBe(true)
      })
    )

    it(
      "a full disk refuses data writes but not renames or removals",
      withWorld(async (w) => {
        const { fs, plan } = FaultyFileSystem.make(w.fs)
        await run(fs.writeFile(`${w.dir}/a`, enc.encode("1")))
        plan.diskFull = "NoSpace"
        expect(await errno(fs.writeFile(`${w.dir}/b`, enc.encode("2")))).toBe("ENOSPC")
        await run(fs.rename(`${w.dir}/a`, `${w.dir}/c`))
        await run(fs.remove(`${w.dir}/c`))
        plan.diskFull = undefined
        await run(fs.writeFile(`${w.dir}/b`, enc.encode("2")))
      })
    )
  })
})
