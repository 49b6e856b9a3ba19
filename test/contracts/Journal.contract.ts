/**
 * Contract for the Journal port: the same assertions over MemoryFileSystem and the real disk.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as Scope from "effect/Scope"
import { describe, expect, it } from "vitest"
import type { JournalError, JournalEvent, JournalShape } from "../../core/ports/Journal.ts"
import * as FaultyFileSystem from "../../adapters/fs/FaultyFileSystem.ts"
import * as JournalFs from "../../adapters/store/JournalFs.ts"
import { bytesOf, type FsWorld, runIn } from "../adapters/store/harness.ts"
import { freshEach } from "./Fresh.ts"

type Use<A, E> = (j: JournalShape) => Effect.Effect<A, E, Scope.Scope>
/** Run `f` against a journal that lives (handles open) for the duration of `f`. */
const withJournal = <A, E>(
  f: Use<A, E>,
  options: JournalFs.JournalOptions = {}
): Effect.Effect<A, E, FileSystem.FileSystem | Path.Path> => Effect.scoped(Effect.flatMap(JournalFs.make(options), f))

/** An event with sensible defaults. */
export const ev = (key: string, phase: JournalEvent["phase"], at = 1, data?: unknown): JournalEvent => ({
  at,
  key,
  phase,
  kind: "launch",
  ...(data === undefined ? {} : { data })
})

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b)
const encoder = new TextEncoder()

/** Register the Journal contract for one world. */
export const journalContract = (name: string, makeWorld: () => Promise<FsWorld>): void => {
  describe(`Journal contract: ${name}`, () => {
    const withWorld = freshEach(makeWorld)
    const run = <A, E>(w: FsWorld, f: Use<A, E>, fs?: FileSystem.FileSystem) => runIn(w, withJournal(f), fs)
    const fail = <A>(w: FsWorld, f: Use<A, JournalError>, fs?: FileSystem.FileSystem) =>
      runIn(
        w,
        withJournal((j) => Effect.flip(f(j))),
        fs
      )
    const write = (w: FsWorld, file: string, content: string) =>
      Effect.runPromise(w.fs.writeFile(file, encoder.encode(content)))

    it(
      "append then read: every event in order, data intact, one line each; file 0600, dirs 0700",
      withWorld(async (w) => {
        const file = `${w.dir}/b1/events.jsonl`
        const events = [
          ev("k1", "intent", 1, { argv: ["a", "b c"], n: 1, nested: { x: null } }),
          ev("k1", "done", 2),
          ev("note", "info", 3, "line\nbreak")
        ]
        await run(w, (j) => Effect.forEach(events, (e) => j.append(file, e)))
        const r = await run(w, (j) => j.read(file))
        expect(r).toEqual({ events, tornTail: false, skipped: 0, skippedAt: [] })
        expect(text(await bytesOf(w, file)).split("\n")).toHaveLength(4)
        const mode = async (p: string) => (await Effect.runPromise(w.fs.stat(p))).mode & 0o777
        expect(await mode(file)).toBe(0o600)
        expect(await mode(`${w.dir}/b1`)).toBe(0o700)
      })
    )

    it(
      "a missing journal reads as empty and nothing is created",
      withWorld(async (w) => {
        const file = `${w.dir}/none/events.jsonl`
        expect(await run(w, (j) => j.read(file))).toEqual({ events: [], tornTail: false, skipped: 0, skippedAt: [] })
        expect(await run(w, (j) => j.query(file, "k"))).toEqual({})
        await run(w, (j) => j.sync(file))
        expect(await bytesOf(w, file)).toBeUndefined()
      })
    )

    it(
      "query returns the latest intent and done for a key",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        await run(w, (j) =>
          Effect.forEach(
            [ev("a", "intent", 1), ev("b", "intent", 2), ev("a", "done", 3), ev("a", "intent", 4), ev("a", "info", 5)],
            (e) => j.append(file, e)
          )
        )
        expect(await run(w, (j) => j.query(file, "a"))).toEqual({
          intent: ev("a", "intent", 4),
          done: ev("a", "done", 3)
        })
        expect(await run(w, (j) => j.query(file, "b"))).toEqual({ intent: ev("b", "intent", 2) })
        expect(await run(w, (j) => j.query(file, "zzz"))).toEqual({})
      })
    )

    it(
      "a torn last line is ignored and reported; malformed middle lines are skipped and counted",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        const good = JSON.stringify(ev("a", "intent"))
        const middle = `${good}\nnot json\n{"at":1}\n${good}\n`
        await write(w, file, `${middle}{"at":2,"key":"b","pha`)
        const r = await run(w, (j) => j.read(file))
        expect(r.events).toEqual([ev("a", "intent"), ev("a", "intent")])
        expect(r.tornTail).toBe(true)
        expect(r.skipped).toBe(2)
        expect(r.skippedAt).toEqual([good.length + 1, good.length + 10])
        await write(w, file, `${good}\n{"broken\n`)
        expect(await run(w, (j) => j.read(file))).toEqual({
          events: [ev("a", "intent")],
          tornTail: true,
          skipped: 0,
          skippedAt: []
        })
      })
    )

    it(
      "appending after a torn tail closes the fragment off on its own line",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        await write(w, file, `${JSON.stringify(ev("a", "intent"))}\n{"at":2,"ke`)
        await run(w, (j) => j.append(file, ev("b", "done", 3)))
        const r = await run(w, (j) => j.read(file))
        expect(r.events).toEqual([ev("a", "intent"), ev("b", "done", 3)])
        expect(r.tornTail).toBe(false)
        expect(r.skipped).toBe(1)
      })
    )

    it(
      "concurrent appenders never interleave within a line",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        const big = "x".repeat(3000)
        await run(w, (j) =>
          Effect.all(
            Array.from({ length: 8 }, (_, f) =>
              Effect.forEach(
                Array.from({ length: 25 }, (_, i) => i),
                (i) => j.append(file, ev(`f${f}-${i}`, "info", i, big))
              )
            ),
            { concurrency: "unbounded" }
          )
        )
        const r = await run(w, (j) => j.read(file))
        expect(r.tornTail).toBe(false)
        expect(r.skipped).toBe(0)
        expect(r.events).toHaveLength(200)
        for (let f = 0; f < 8; f++) {
          expect(r.events.filter((e) => e.key.startsWith(`f${f}-`)).map((e) => e.at)).toEqual(
            Array.from({ length: 25 }, (_, i) => i)
          )
        }
      })
    )

    it(
      "an event whose data is not JSON-serialisable is refused (Encode) and nothing is written",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        const e = await fail(w, (j) => j.append(file, ev("a", "intent", 1, { n: 10n })))
        expect(e.reason).toBe("Encode")
        expect(await bytesOf(w, file)).toBeUndefined()
      })
    )

    it(
      "a symlink at the journal path is refused and its target untouched",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        const target = `${w.dir}/target.txt`
        await write(w, target, "precious\n")
        await Effect.runPromise(w.fs.symlink(target, file))
        expect((await fail(w, (j) => j.append(file, ev("a", "intent")))).reason).toBe("Unsafe")
        expect((await fail(w, (j) => j.read(file))).reason).toBe("Unsafe")
        expect(text(await bytesOf(w, target))).toBe("precious\n")
      })
    )

    it(
      "a write torn by a crash: earlier events intact, tail reported, the next process appends cleanly",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        await run(w, (j) => j.append(file, ev("a", "intent", 1)))
        const faulty = FaultyFileSystem.make(w.fs)
        faulty.plan.tearNextWrite(17)
        const e = await fail(w, (j) => j.append(file, ev("a", "done", 2)), faulty.fs)
        expect(e.reason).toBe("Io")
        expect(await run(w, (j) => j.read(file))).toEqual({
          events: [ev("a", "intent", 1)],
          tornTail: true,
          skipped: 0,
          skippedAt: []
        })
        await run(w, (j) => j.append(file, ev("a", "done", 3)))
        const r = await run(w, (j) => j.read(file))
        expect(r.events).toEqual([ev("a", "intent", 1), ev("a", "done", 3)])
        expect([r.tornTail, r.skipped]).toEqual([false, 1])
      })
    )

    it(
      "disk full: a clear Io error (ENOSPC)",
      withWorld(async (w) => {
        const file = `${w.dir}/events.jsonl`
        await run(w, (j) => j.append(file, ev("a", "intent", 1)))
        const faulty = FaultyFileSystem.make(w.fs)
        faulty.plan.diskFull = "NoSpace"
        const e = await fail(w, (j) => j.append(file, ev("a", "done", 2)), faulty.fs)
        expect([e.reason, e.code]).toEqual(["Io", "ENOSPC"])
        expect((await run(w, (j) => j.read(file))).events).toEqual([ev("a", "intent", 1)])
      })
    )
  })
}
