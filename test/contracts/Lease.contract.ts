/**
 * Contract for the Lease port: the same assertions over MemoryFileSystem and the real disk. Races
 * run as separate fibers (on the real disk every file operation is a separate libuv request, so the
 * interleavings are real).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import { describe, expect, it } from "vitest"
import type { Lease } from "../../core/domain/State.ts"
import type { LeaseError, LeaseShape } from "../../core/ports/Lease.ts"
import * as FaultyFileSystem from "../../adapters/fs/FaultyFileSystem.ts"
import * as LeaseFs from "../../adapters/store/LeaseFs.ts"
import { bytesOf, type FsWorld, namesIn, runIn } from "../adapters/store/harness.ts"
import { identity } from "../adapters/store/samples.ts"
import { freshEach } from "./Fresh.ts"

type Use<A, E> = (l: LeaseShape) => Effect.Effect<A, E>
const withLease = <A, E>(f: Use<A, E>): Effect.Effect<A, E, FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(LeaseFs.make, f)

/** Register the Lease contract for one world. */
export const leaseContract = (name: string, makeWorld: () => Promise<FsWorld>): void => {
  describe(`Lease contract: ${name}`, () => {
    const withWorld = freshEach(makeWorld)
    const run = <A, E>(w: FsWorld, f: Use<A, E>, fs?: FileSystem.FileSystem) => runIn(w, withLease(f), fs)
    const fail = <A>(w: FsWorld, f: Use<A, LeaseError>, fs?: FileSystem.FileSystem) =>
      runIn(
        w,
        withLease((l) => Effect.flip(f(l))),
        fs
      )
    const me = identity(100)
    const impostor = identity(100, "host-a", "another-start")
    /** Race `n` fibers, each running `f(i)`; returns how many succeeded and the failures. */
    const race = (w: FsWorld, n: number, f: (l: LeaseShape, i: number) => Effect.Effect<Lease, LeaseError>) =>
      run(w, (l) =>
        Effect.gen(function* () {
          const fibers = yield* Effect.forEach(
            Array.from({ length: n }, (_, i) => i),
            (i) => Effect.forkChild(Effect.result(f(l, i)))
          )
          return yield* Effect.forEach(fibers, Fiber.join)
        })
      )

    it(
      "acquire on a free path creates a complete 0600 lease and leaves nothing else",
      withWorld(async (w) => {
        const file = `${w.dir}/b1/lease`
        const lease = await run(w, (l) => l.acquire(file, me, 5000))
        expect(lease).toEqual({ owner: me, acquiredAt: 5000, renewedAt: 5000 })
        expect(await run(w, (l) => l.read(file))).toEqual(lease)
        expect((await Effect.runPromise(w.fs.stat(file))).mode & 0o777).toBe(0o600)
        expect(await namesIn(w, `${w.dir}/b1`)).toEqual(["lease"])
      })
    )

    it(
      "acquire on a held lease fails Held with the holder and its age",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const first = await run(w, (l) => l.acquire(file, me, 5000))
        const e = await fail(w, (l) => l.acquire(file, identity(200), 9000))
        expect(e.reason).toBe("Held")
        expect(e.holder).toEqual(first)
        expect(e.ageMs).toBe(4000)
        expect(e.message).toContain("pid 100")
      })
    )

    it(
      "8 concurrent acquirers: exactly one owner",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const results = await race(w, 8, (l, i) => l.acquire(file, identity(1000 + i), 1))
        const winners = results.filter((r) => r._tag === "Success")
        expect(winners).toHaveLength(1)
        for (const r of results) if (r._tag === "Failure") expect(r.failure.reason).toBe("Held")
        expect(await run(w, (l) => l.read(file))).toEqual(
          winners[0]!._tag === "Success" ? winners[0]!.success : undefined
        )
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
      })
    )

    it(
      "renew and release only by the owner (pid AND start time AND host)",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        await run(w, (l) => l.acquire(file, me, 1000))
        const before = await bytesOf(w, file)
        for (const other of [impostor, identity(100, "host-b"), identity(101)]) {
          expect((await fail(w, (l) => l.renew(file, other, 2000))).reason).toBe("NotOwner")
          expect((await fail(w, (l) => l.release(file, other))).reason).toBe("NotOwner")
        }
        expect(await bytesOf(w, file)).toEqual(before)
        expect(await run(w, (l) => l.renew(file, me, 3000))).toEqual({ owner: me, acquiredAt: 1000, renewedAt: 3000 })
        expect((await run(w, (l) => l.read(file)))?.renewedAt).toBe(3000)
        await run(w, (l) => l.release(file, me))
        expect(await run(w, (l) => l.read(file))).toBeUndefined()
        expect((await fail(w, (l) => l.renew(file, me, 4000))).reason).toBe("NotOwner")
        expect((await fail(w, (l) => l.release(file, me))).reason).toBe("NotOwner")
        expect(await namesIn(w, w.dir)).toEqual([])
      })
    )

    it(
      "takeOver replaces exactly the expected lease; a different or missing one is refused untouched",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const stale = await run(w, (l) => l.acquire(file, identity(7), 1000))
        const wrong: Lease = { ...stale, renewedAt: 999 }
        const e = await fail(w, (l) => l.takeOver(file, wrong, me, 50_000))
        expect([e.reason, e.holder]).toEqual(["Held", stale])
        expect(await run(w, (l) => l.read(file))).toEqual(stale)
        const mine = await run(w, (l) => l.takeOver(file, stale, me, 50_000))
        expect(mine).toEqual({ owner: me, acquiredAt: 50_000, renewedAt: 50_000 })
        expect(await run(w, (l) => l.read(file))).toEqual(mine)
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
        await run(w, (l) => l.release(file, me))
        expect((await fail(w, (l) => l.takeOver(file, stale, me, 60_000))).reason).toBe("Changed")
      })
    )

    it(
      "8 concurrent takeovers of the same stale lease: exactly one winner, its lease on disk",
      withWorld(async (w) => {
        for (let round = 0; round < 5; round++) {
          const file = `${w.dir}/lease-${round}`
          const stale = await run(w, (l) => l.acquire(file, identity(7), 1000))
          const results = await race(w, 8, (l, i) => l.takeOver(file, stale, identity(2000 + i), 90_000))
          const winners = results.flatMap((r) => (r._tag === "Success" ? [r.success] : []))
          expect(winners, `round ${round}`).toHaveLength(1)
          for (const r of results) if (r._tag === "Failure") expect(["Held", "Changed"]).toContain(r.failure.reason)
          expect(await run(w, (l) => l.read(file))).toEqual(winners[0])
        }
        expect((await namesIn(w, w.dir)).filter((n) => n.includes("-") && n.includes("."))).toEqual([])
      })
    )

    /**
     * Deterministic interleaving: `slow` pauses right before its first rename until `fast` has
     * finished, so its claim moves a lease that is no longer the one it checked.
     */
    const interleave = <A, B>(
      w: FsWorld,
      slow: (l: LeaseShape) => Effect.Effect<A, LeaseError>,
      fast: (l: LeaseShape) => Effect.Effect<B, LeaseError>,
      at: "rename" | "link" = "rename"
    ) =>
      runIn(
        w,
        Effect.gen(function* () {
          const reached = yield* Deferred.make<void>()
          const gate = yield* Deferred.make<void>()
          const pause = Deferred.succeed(reached, undefined).pipe(Effect.andThen(Deferred.await(gate)))
          const gated: FileSystem.FileSystem =
            at === "rename"
              ? { ...w.fs, rename: (a, b) => Effect.andThen(pause, w.fs.rename(a, b)) }
              : { ...w.fs, link: (a, b) => Effect.andThen(pause, w.fs.link(a, b)) }
          const slowStore = yield* Effect.provideService(LeaseFs.make, FileSystem.FileSystem, gated)
          const fastStore = yield* LeaseFs.make
          const fiber = yield* Effect.forkChild(Effect.result(slow(slowStore)))
          yield* Deferred.await(reached)
          const fastResult = yield* fast(fastStore)
          yield* Deferred.succeed(gate, undefined)
          return { slow: yield* Fiber.join(fiber), fast: fastResult }
        })
      )

    it(
      "a takeover whose claim moves a lease that was just replaced puts it back and loses",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const stale = await run(w, (l) => l.acquire(file, identity(7), 1))
        const r = await interleave(
          w,
          (l) => l.takeOver(file, stale, identity(8), 10),
          (l) => l.takeOver(file, stale, identity(9), 10)
        )
        expect(r.slow._tag).toBe("Failure")
        if (r.slow._tag === "Failure") expect([r.slow.failure.reason, r.slow.failure.holder]).toEqual(["Held", r.fast])
        expect(await run(w, (l) => l.read(file))).toEqual(r.fast)
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
      })
    )

    it(
      "a renewal racing a takeover of its lease never clobbers the new owner",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const old = await run(w, (l) => l.acquire(file, identity(7), 1))
        const r = await interleave(
          w,
          (l) => l.renew(file, identity(7), 20),
          (l) => l.takeOver(file, old, identity(9), 10)
        )
        expect(r.slow._tag).toBe("Failure")
        if (r.slow._tag === "Failure") expect(r.slow.failure.reason).toBe("NotOwner")
        expect(await run(w, (l) => l.read(file))).toEqual(r.fast)
      })
    )

    it(
      "regression: an acquire while the owner renewed (its lease claimed aside for a moment) took a live owner's lease",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        await run(w, (l) => l.acquire(file, me, 1))
        // The renewal pauses after its claim, right before it links the renewed lease: the path is empty.
        const r = await interleave(
          w,
          (l) => l.renew(file, me, 20),
          (l) => Effect.result(l.acquire(file, identity(9), 10)),
          "link"
        )
        expect(r.fast._tag).toBe("Failure")
        if (r.fast._tag === "Failure")
          expect([r.fast.failure.reason, r.fast.failure.holder?.owner]).toEqual(["Held", me])
        expect(r.slow._tag).toBe("Success")
        expect(await run(w, (l) => l.read(file))).toEqual({ owner: me, acquiredAt: 1, renewedAt: 20 })
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
      })
    )

    it(
      "a renewer that died between its claim and its new link still holds the lease, which a takeover then wins",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const old = await run(w, (l) => l.acquire(file, identity(7), 1))
        await Effect.runPromise(w.fs.rename(file, `${file}.renew-7-0123456789ab`))
        expect(await run(w, (l) => l.read(file))).toEqual(old)
        const e = await fail(w, (l) => l.acquire(file, identity(9), 10))
        expect([e.reason, e.holder]).toEqual(["Held", old])
        const taken = await run(w, (l) => l.takeOver(file, old, identity(9), 10))
        expect(await run(w, (l) => l.read(file))).toEqual(taken)
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
      })
    )

    it(
      "a symlink at the lease path is never followed or replaced",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const target = `${w.dir}/target`
        await run(w, (l) => l.acquire(target, identity(7), 1))
        const before = await bytesOf(w, target)
        await Effect.runPromise(w.fs.symlink(target, file))
        const lease = { owner: identity(7), acquiredAt: 1, renewedAt: 1 }
        expect((await fail(w, (l) => l.read(file))).reason).toBe("Symlink")
        expect((await fail(w, (l) => l.acquire(file, me, 2))).reason).toBe("Symlink")
        expect((await fail(w, (l) => l.takeOver(file, lease, me, 2))).reason).toBe("Symlink")
        expect((await fail(w, (l) => l.renew(file, identity(7), 2))).reason).toBe("Symlink")
        expect((await fail(w, (l) => l.release(file, identity(7)))).reason).toBe("Symlink")
        expect(await bytesOf(w, target)).toEqual(before)
        expect((await Effect.runPromise(w.fs.lstat(file))).type).toBe("SymbolicLink")
      })
    )

    it(
      "a file that is not a lease is Corrupt, and acquire does not overwrite it",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        await Effect.runPromise(w.fs.writeFileString(file, '{"owner":'))
        expect((await fail(w, (l) => l.read(file))).reason).toBe("Corrupt")
        expect((await fail(w, (l) => l.acquire(file, me, 1))).reason).toBe("Corrupt")
        expect(new TextDecoder().decode(await bytesOf(w, file))).toBe('{"owner":')
      })
    )

    it(
      "a crash at every step of acquire and takeOver never leaves a half-written lease",
      withWorld(async (w) => {
        const stale = { owner: identity(7), acquiredAt: 1, renewedAt: 1 }
        const ops: ReadonlyArray<readonly [string, Use<Lease, LeaseError>]> = [
          ["acquire", (l) => l.acquire(`${w.dir}/acq`, me, 5)],
          ["takeOver", (l) => l.takeOver(`${w.dir}/tko`, stale, me, 5)],
          ["renew", (l) => l.renew(`${w.dir}/rnw`, identity(7), 5)]
        ]
        for (const [name, op] of ops) {
          const file = `${w.dir}/${name === "acquire" ? "acq" : name === "takeOver" ? "tko" : "rnw"}`
          const reset = async () => {
            // A crashed claim leaves its aside copy (`<file>.renew-…`, which still counts as the lease): start clean.
            for (const n of await namesIn(w, w.dir))
              if (n === file.slice(w.dir.length + 1) || n.startsWith(`${file.slice(w.dir.length + 1)}.`))
                await Effect.runPromise(w.fs.remove(`${w.dir}/${n}`, { force: true }))
            if (name !== "acquire") await run(w, (l) => l.acquire(file, identity(7), 1))
          }
          await reset()
          const counter = FaultyFileSystem.make(w.fs)
          await run(w, op, counter.fs)
          for (let k = 0; k <= counter.plan.steps; k++) {
            await reset()
            const faulty = FaultyFileSystem.make(w.fs)
            faulty.plan.crashAtStep(k)
            await runIn(w, Effect.exit(withLease(op)), faulty.fs)
            const after = await runIn(w, Effect.result(withLease((l) => l.read(file))))
            expect(after._tag, `${name} crashed at step ${k} (${counter.plan.log[k]})`).toBe("Success")
            const allowed =
              name === "acquire"
                ? [undefined, { owner: me, acquiredAt: 5, renewedAt: 5 }]
                : name === "takeOver"
                  ? [undefined, stale, { owner: me, acquiredAt: 5, renewedAt: 5 }]
                  : [undefined, stale, { ...stale, renewedAt: 5 }]
            expect(allowed, `${name} crashed at step ${k}`).toContainEqual(
              after._tag === "Success" ? after.success : "error"
            )
          }
        }
      })
    )

    it(
      "a renewal that fails (disk full) keeps the lease in place",
      withWorld(async (w) => {
        const file = `${w.dir}/lease`
        const lease = await run(w, (l) => l.acquire(file, me, 1))
        const faulty = FaultyFileSystem.make(w.fs)
        faulty.plan.diskFull = "NoSpace"
        const e = await fail(w, (l) => l.renew(file, me, 2), faulty.fs)
        expect([e.reason, e.code]).toEqual(["Io", "ENOSPC"])
        expect(await run(w, (l) => l.read(file))).toEqual(lease)
        expect(await namesIn(w, w.dir)).toEqual(["lease"])
      })
    )
  })
}
