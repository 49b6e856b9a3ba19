/**
 * Contract for the StateStore port: the same assertions run over MemoryFileSystem and over the real
 * disk (NodeServices). Faults are injected with FaultyFileSystem around either one.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import { describe, expect, it } from "vitest"
import type { BatchState } from "../../core/domain/State.ts"
import type { StateStoreError, StateStoreShape } from "../../core/ports/StateStore.ts"
import * as FaultyFileSystem from "../../adapters/fs/FaultyFileSystem.ts"
import { MAX_STATE_BYTES } from "../../adapters/store/StateCodec.ts"
import * as StateStoreFs from "../../adapters/store/StateStoreFs.ts"
import { bytesOf, failureIn, type FsWorld, namesIn, runIn } from "../adapters/store/harness.ts"
import { sampleState } from "../adapters/store/samples.ts"
import { freshEach } from "./Fresh.ts"

type Use<A, E> = (s: StateStoreShape) => Effect.Effect<A, E>
const withStore = <A, E>(f: Use<A, E>): Effect.Effect<A, E, FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(StateStoreFs.make, f)
const encoder = new TextEncoder()

/** Register the StateStore contract for one world. */
export const stateStoreContract = (name: string, makeWorld: () => Promise<FsWorld>): void => {
  describe(`StateStore contract: ${name}`, () => {
    const withWorld = freshEach(makeWorld)
    const run = <A, E>(w: FsWorld, f: Use<A, E>, fs?: FileSystem.FileSystem) => runIn(w, withStore(f), fs)
    const fail = <A>(w: FsWorld, f: Use<A, StateStoreError>, fs?: FileSystem.FileSystem) =>
      failureIn(w, withStore(f), fs)
    const write = (w: FsWorld, file: string, text: string) =>
      Effect.runPromise(
        Effect.andThen(
          w.fs.makeDirectory(w.path.dirname(file), { recursive: true }),
          w.fs.writeFile(file, encoder.encode(text))
        )
      )
    const loaded = async (w: FsWorld, file: string): Promise<BatchState | undefined> => {
      const r = await run(w, (s) => s.load(file))
      return r._tag === "Loaded" ? r.state : undefined
    }

    it(
      "save then load round-trips, unknown top-level fields included",
      withWorld(async (w) => {
        const file = `${w.dir}/b1/state.json`
        const state = sampleState(1, { futureField: { nested: [1, "x", null] }, zz: true })
        await run(w, (s) => s.save(file, state))
        expect(await loaded(w, file)).toEqual(state)
        const text = new TextDecoder().decode(await bytesOf(w, file))
        expect(text.endsWith("}\n")).toBe(true)
        expect(text).toContain('\n  "batchId": "b1"')
      })
    )

    it(
      "a missing file is Missing (load and loadWithFallback), and nothing is created",
      withWorld(async (w) => {
        const file = `${w.dir}/nope/state.json`
        expect(await run(w, (s) => s.load(file))).toEqual({ _tag: "Missing" })
        expect(await run(w, (s) => s.loadWithFallback(file))).toEqual({ _tag: "Missing" })
        expect(await namesIn(w, w.dir)).toEqual([])
      })
    )

    it(
      "the previous good state is kept as .bak",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await run(w, (s) => s.save(file, sampleState(1)))
        expect(await bytesOf(w, `${file}.bak`)).toBeUndefined()
        await run(w, (s) => s.save(file, sampleState(2)))
        await run(w, (s) => s.save(file, sampleState(3)))
        expect(await loaded(w, file)).toEqual(sampleState(3))
        expect(await loaded(w, `${file}.bak`)).toEqual(sampleState(2))
        expect((await namesIn(w, w.dir)).filter((n) => n.includes(".tmp-"))).toEqual([])
      })
    )

    it(
      "corrupt JSON: Corrupt with the byte location, the file byte-identical, save refuses",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        const text = '{\n  "version": 1,\n  "batchId": "b1",,\n}'
        await write(w, file, text)
        const before = await bytesOf(w, file)
        const e = await fail(w, (s) => s.load(file))
        expect(e.reason).toBe("Corrupt")
        expect(e.byteOffset).toBe(text.indexOf(",,") + 1)
        expect(e.line).toBe(3)
        expect(e.message).toContain("line 3")
        expect((await fail(w, (s) => s.save(file, sampleState(1)))).reason).toBe("Corrupt")
        expect(await bytesOf(w, file)).toEqual(before)
        expect(await namesIn(w, w.dir)).toEqual(["state.json"])
      })
    )

    it(
      "a Schema mismatch is Corrupt with the field path",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await write(w, file, JSON.stringify({ ...sampleState(1), phase: "dancing" }))
        const e = await fail(w, (s) => s.load(file))
        expect(e.reason).toBe("Corrupt")
        expect(e.fieldPath).toBe("phase")
      })
    )

    it(
      "a newer version: Version (found/supported), the file untouched by load and save",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await write(w, file, JSON.stringify({ ...sampleState(1), version: 2 }))
        const before = await bytesOf(w, file)
        const e = await fail(w, (s) => s.load(file))
        expect(e.reason).toBe("Version")
        expect(e.found).toBe(2)
        expect(e.supported).toEqual([1])
        expect((await fail(w, (s) => s.save(file, sampleState(3)))).reason).toBe("Version")
        expect((await fail(w, (s) => s.loadWithFallback(file))).reason).toBe("Version")
        expect(await bytesOf(w, file)).toEqual(before)
      })
    )

    it(
      "loadWithFallback reports a corrupt main file and a good .bak without switching",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await run(w, (s) => s.save(file, sampleState(1)))
        await run(w, (s) => s.save(file, sampleState(2)))
        const good = new TextDecoder().decode(await bytesOf(w, file))
        await write(w, file, good.slice(0, good.length / 2))
        const before = await bytesOf(w, file)
        const r = await run(w, (s) => s.loadWithFallback(file))
        expect(r._tag).toBe("BackupOnly")
        if (r._tag !== "BackupOnly") return
        expect(r.backup).toEqual(sampleState(1))
        expect(r.backupPath).toBe(`${file}.bak`)
        expect(r.primary?.reason).toBe("Corrupt")
        expect(await bytesOf(w, file)).toEqual(before)
      })
    )

    it(
      "quarantine moves the file aside under a fresh name each time",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await write(w, file, "garbage 1")
        const q1 = await run(w, (s) => s.quarantine(file))
        await write(w, file, "garbage 2")
        const q2 = await run(w, (s) => s.quarantine(file))
        expect(q1).toMatch(/state\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+\.\d{3}Z/)
        expect(q2).not.toBe(q1)
        expect(new TextDecoder().decode(await bytesOf(w, q1))).toBe("garbage 1")
        expect(new TextDecoder().decode(await bytesOf(w, q2))).toBe("garbage 2")
        expect(await run(w, (s) => s.load(file))).toEqual({ _tag: "Missing" })
      })
    )

    it(
      "files are 0600 and created directories 0700",
      withWorld(async (w) => {
        const file = `${w.dir}/a/b/state.json`
        await run(w, (s) => s.save(file, sampleState(1)))
        await run(w, (s) => s.save(file, sampleState(2)))
        const mode = async (p: string) => (await Effect.runPromise(w.fs.stat(p))).mode & 0o777
        expect(await mode(`${w.dir}/a`)).toBe(0o700)
        expect(await mode(`${w.dir}/a/b`)).toBe(0o700)
        expect(await mode(file)).toBe(0o600)
        expect(await mode(`${file}.bak`)).toBe(0o600)
      })
    )

    it(
      "regression: a 50 MB state file was read whole and accepted — over MAX_STATE_BYTES it is Corrupt, untouched, and save neither replaces nor writes one",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        const huge = JSON.stringify({ ...sampleState(1), padding: "x".repeat(MAX_STATE_BYTES) })
        await write(w, file, huge)
        const before = await bytesOf(w, file)
        const e = await fail(w, (s) => s.load(file))
        expect(e.reason).toBe("Corrupt")
        expect(e.message).toContain(`${encoder.encode(huge).length} bytes`)
        expect((await fail(w, (s) => s.save(file, sampleState(2)))).reason).toBe("Corrupt")
        // Buffer.equals: toEqual on 32 MB of elements takes minutes.
        expect(Buffer.from(before!).equals(Buffer.from((await bytesOf(w, file))!))).toBe(true)
        const elsewhere = `${w.dir}/b2/state.json`
        expect(
          (await fail(w, (s) => s.save(elsewhere, sampleState(2, { padding: "x".repeat(MAX_STATE_BYTES) })))).reason
        ).toBe("Invalid")
        expect(await bytesOf(w, elsewhere)).toBeUndefined()
      })
    )

    it(
      "a symlink at the state path is refused, and its target is never touched",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        const target = `${w.dir}/elsewhere.json`
        await run(w, (s) => s.save(target, sampleState(1)))
        const before = await bytesOf(w, target)
        await Effect.runPromise(w.fs.symlink(target, file))
        expect((await fail(w, (s) => s.load(file))).reason).toBe("Unsafe")
        expect((await fail(w, (s) => s.save(file, sampleState(2)))).reason).toBe("Unsafe")
        expect((await fail(w, (s) => s.quarantine(file))).reason).toBe("Unsafe")
        expect(await bytesOf(w, target)).toEqual(before)
        expect((await Effect.runPromise(w.fs.lstat(file))).type).toBe("SymbolicLink")
      })
    )

    it(
      "disk full during save: a clear Io error, the previous state intact, no temp left",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await run(w, (s) => s.save(file, sampleState(1)))
        const faulty = FaultyFileSystem.make(w.fs)
        faulty.plan.diskFull = "NoSpace"
        const e = await fail(w, (s) => s.save(file, sampleState(2)), faulty.fs)
        expect(e.reason).toBe("Io")
        expect(e.code).toBe("ENOSPC")
        expect(e.message).toContain("no space left on device")
        expect(await loaded(w, file)).toEqual(sampleState(1))
        expect(await namesIn(w, w.dir)).toEqual(["state.json"])
      })
    )

    it(
      "a permission error at any single step leaves a good state and no temp files",
      withWorld(async (w) => {
        const file = `${w.dir}/state.json`
        await run(w, (s) => s.save(file, sampleState(1)))
        const counter = FaultyFileSystem.make(w.fs)
        await run(w, (s) => s.save(file, sampleState(2)), counter.fs)
        for (let k = 0; k < counter.plan.steps; k++) {
          await run(w, (s) => s.save(file, sampleState(1)))
          const f = FaultyFileSystem.make(w.fs)
          f.plan.failStep(k, "PermissionDenied")
          const exit = await runIn(w, Effect.exit(withStore((s) => s.save(file, sampleState(2)))), f.fs)
          expect(exit._tag, `step ${k}: ${f.plan.log.join(" | ")}`).toBe("Failure")
          const now = await loaded(w, file)
          expect([sampleState(1), sampleState(2)], `step ${k}`).toContainEqual(now)
          expect(
            (await namesIn(w, w.dir)).filter((n) => n.includes(".tmp-")),
            `step ${k}`
          ).toEqual([])
        }
      })
    )

    it(
      "save survives a crash at EVERY write step: previous or new state, never nothing or garbage",
      withWorld(async (w) => {
        const file = `${w.dir}/b1/state.json`
        const [prev, next] = [sampleState(1), sampleState(2, { extra: "x" })]
        await run(w, (s) => s.save(file, prev))
        const counter = FaultyFileSystem.make(w.fs)
        await run(w, (s) => s.save(file, next), counter.fs)
        const n = counter.plan.steps
        expect(n).toBeGreaterThanOrEqual(7)
        for (let k = 0; k <= n; k++) {
          await run(w, (s) => s.save(file, prev))
          const faulty = FaultyFileSystem.make(w.fs)
          faulty.plan.crashAtStep(k)
          const exit = await runIn(w, Effect.exit(withStore((s) => s.save(file, next))), faulty.fs)
          expect(exit._tag, `crash at step ${k}`).toBe(k < n ? "Failure" : "Success")
          const after = await loaded(w, file)
          expect(k < n ? [prev, next] : [next], `crash at step ${k}: ${counter.plan.log[k]}`).toContainEqual(after)
          const bak = await run(w, (s) => s.load(`${file}.bak`))
          expect(bak._tag, `.bak after crash at step ${k}`).toBe("Loaded")
        }
      })
    )
  })
}
