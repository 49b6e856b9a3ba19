/**
 * Contract for the LogTail port: the same assertions against the adapter over the real file system
 * and over the in-memory one. The central law: reading from `nextOffset` again and again while a
 * writer appends yields every byte exactly once, in order.
 */
import * as Effect from "effect/Effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { LogTail, TailChunk } from "../../core/ports/LogTail.ts"
import { freshEach } from "./Fresh.ts"

/** What a contract run needs from the world under test. */
export interface LogTailHarness {
  readonly tail: LogTail["Service"]
  /** A directory for the test's files (absolute). */
  readonly dir: string
  /** Append bytes to the file (creating it), as a log writer does. */
  readonly append: (path: string, bytes: Uint8Array) => Promise<void>
  /** Truncate (or sparsely extend) the file in place. */
  readonly truncate: (path: string, length: number) => Promise<void>
  /** Replace the file with new content (a new file renamed over the path: log rotation). */
  readonly replace: (path: string, bytes: Uint8Array) => Promise<void>
  /** Create a directory. */
  readonly mkdir: (path: string) => Promise<void>
  readonly cleanup: () => Promise<void>
}

const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)
const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)
const MiB = 1024 * 1024

/** Register the contract tests for one implementation. */
export const logTailContract = (name: string, makeHarness: () => Promise<LogTailHarness>): void => {
  describe(`LogTail contract: ${name}`, () => {
    const withHarness = freshEach(makeHarness)

    it(
      "reads from an offset, bounded by maxBytes, and reports size and the next offset",
      withHarness(async (h) => {
        const log = `${h.dir}/pane.log`
        await h.append(log, bytes("hello world\n"))
        expect(await run(h.tail.size(log))).toBe(12)
        const first = await run(h.tail.read(log, 0, 5))
        expect(text(first.bytes)).toBe("hello")
        expect(first).toMatchObject({ nextOffset: 5, size: 12, shrank: false })
        const rest = await run(h.tail.read(log, first.nextOffset, 100))
        expect(text(rest.bytes)).toBe(" world\n")
        expect(rest.nextOffset).toBe(12)
        const idle = await run(h.tail.read(log, 12, 100))
        expect(idle).toMatchObject({ nextOffset: 12, size: 12, shrank: false })
        expect(idle.bytes.length).toBe(0)
      })
    )

    it(
      "appending while tailing never loses or duplicates a byte",
      withHarness(async (h) => {
        let n = 0
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 200 })), { maxLength: 12 }),
            async (steps) => {
              const log = `${h.dir}/append-${n++}.log`
              await h.append(log, new Uint8Array(0))
              const written: Array<number> = []
              const seen: Array<number> = []
              let offset = 0
              for (const [chunk, maxBytes] of steps) {
                await h.append(log, chunk)
                written.push(...chunk)
                const got: TailChunk = await run(h.tail.read(log, offset, maxBytes))
                expect(got.bytes.length).toBeLessThanOrEqual(maxBytes)
                expect(got.shrank).toBe(false)
                seen.push(...got.bytes)
                offset = got.nextOffset
              }
              for (;;) {
                // drain
                const got = await run(h.tail.read(log, offset, 64))
                if (got.bytes.length === 0) break
                seen.push(...got.bytes)
                offset = got.nextOffset
              }
              expect(seen).toEqual(written)
              expect(offset).toBe(written.length)
            }
          ),
          { numRuns: 25 }
        )
      })
    )

    it(
      "detects a file truncated below the offset and restarts at 0",
      withHarness(async (h) => {
        const log = `${h.dir}/shrink.log`
        await h.append(log, bytes("0123456789abcdefghij"))
        const before = await run(h.tail.read(log, 0, 100))
        expect(before.nextOffset).toBe(20)
        await h.truncate(log, 0)
        await h.append(log, bytes("new\n"))
        const after = await run(h.tail.read(log, before.nextOffset, 100))
        expect(after).toMatchObject({ shrank: true, size: 4, nextOffset: 4 })
        expect(text(after.bytes)).toBe("new\n")
      })
    )

    it(
      "detects a rotated (replaced, shorter) file",
      withHarness(async (h) => {
        const log = `${h.dir}/rotate.log`
        await h.append(log, bytes("old old old old\n"))
        await h.replace(log, bytes("fresh\n"))
        const got = await run(h.tail.read(log, 16, 100))
        expect(got.shrank).toBe(true)
        expect(text(got.bytes)).toBe("fresh\n")
      })
    )

    it(
      "a missing file is NotFound, a directory is Io",
      withHarness(async (h) => {
        const missing = `${h.dir}/nope.log`
        expect((await run(Effect.flip(h.tail.read(missing, 0, 10)))).reason).toBe("NotFound")
        expect((await run(Effect.flip(h.tail.size(missing)))).reason).toBe("NotFound")
        await h.mkdir(`${h.dir}/sub`)
        expect((await run(Effect.flip(h.tail.read(`${h.dir}/sub`, 0, 10)))).reason).toBe("Io")
      })
    )

    it(
      "catching up on a 1 GiB log from 1 MiB before its end returns only that MiB",
      withHarness(async (h) => {
        const log = `${h.dir}/big.log`
        const GiB = 1024 * MiB
        await h.append(log, bytes("start\n"))
        await h.truncate(log, GiB - MiB) // sparse: costs no disk or memory
        const tail = new Uint8Array(MiB).map((_, i) => 97 + (i % 26))
        await h.append(log, tail)
        const got = await run(h.tail.read(log, GiB - MiB, 8 * MiB))
        expect(got.size).toBe(GiB)
        expect(got.bytes.length).toBe(MiB)
        expect(got.nextOffset).toBe(GiB)
        expect(Buffer.from(got.bytes).equals(Buffer.from(tail))).toBe(true)
      })
    )

    it(
      "a zero or negative maxBytes still makes progress (one byte), never stalls",
      withHarness(async (h) => {
        const log = `${h.dir}/tiny.log`
        await h.append(log, bytes("ab"))
        const got = await run(h.tail.read(log, 0, 0))
        expect(text(got.bytes)).toBe("a")
        expect(got.nextOffset).toBe(1)
      })
    )
  })
}
