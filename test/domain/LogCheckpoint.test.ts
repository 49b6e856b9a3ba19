import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { checkpointAfter, readPlan, resumeOffset, splitLines } from "../../core/domain/LogCheckpoint.ts"

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const empty: Uint8Array = new Uint8Array(0)
const text = (bytes: Uint8Array): string => new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes)

/** Reference split of a whole string: complete lines (one trailing \r stripped) and the unterminated tail. */
const reference = (s: string): { lines: Array<string>; tail: string } => {
  const parts = s.split("\n")
  const tail = parts.pop() ?? ""
  return { lines: parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)), tail }
}

/** Log-like text: any code points (no lone surrogates), with line breaks and multi-byte chars frequent. */
const logText = fc
  .array(
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.constantFrom("\n", "\r\n", "\r", "é", "€", "😀", "\uFEFF", "a")
    ),
    { maxLength: 40 }
  )
  .map((parts) => parts.join(""))

/** Cut points (sorted, deduplicated, strictly inside) for a byte string of length `n`. */
const cutsFor = (n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 12 })
    .map((cs) => cs.filter((c) => c < n).sort((a, b) => a - b))

const chunked = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const bounds = [0, ...cuts, bytes.length]
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i]!, end))
}

const feed = (chunks: ReadonlyArray<Uint8Array>) => {
  let carry: Uint8Array = empty
  const lines: Array<string> = []
  for (const chunk of chunks) {
    const r = splitLines(carry, chunk)
    lines.push(...r.lines)
    carry = r.carry
  }
  return { lines, carry }
}

describe("splitLines", () => {
  it("splits on \\n, strips one trailing \\r, and carries the unterminated tail", () => {
    const r = splitLines(empty, enc("a\r\nb\n\r\r\nc"))
    expect(r.lines).toEqual(["a", "b", "\r"])
    expect(text(r.carry)).toBe("c")
  })

  it("joins a multi-byte character split across chunks", () => {
    const bytes = enc("€uro\n") // € is 3 bytes
    const first = splitLines(empty, bytes.subarray(0, 1))
    expect(first.lines).toEqual([])
    const second = splitLines(first.carry, bytes.subarray(1))
    expect(second.lines).toEqual(["€uro"])
    expect(second.carry.length).toBe(0)
  })

  it("joins a \\r\\n split across chunks", () => {
    const first = splitLines(empty, enc("x\r"))
    expect(splitLines(first.carry, enc("\ny")).lines).toEqual(["x"])
  })

  // Shrunk by the chunking property when the decoder used the default ignoreBOM: false, which silently
  // drops a U+FEFF at the start of every line.
  it("regression: a line made of U+FEFF keeps it (content, not a byte-order mark)", () => {
    expect(splitLines(empty, enc("\uFEFF\n")).lines).toEqual(["\uFEFF"])
    expect(splitLines(empty, enc("\uFEFFhi\n")).lines).toEqual(["\uFEFFhi"])
  })

  it("decodes invalid UTF-8 without failing", () => {
    expect(splitLines(empty, Uint8Array.of(0xff, 0x41, 0x0a)).lines).toEqual(["\uFFFDA"])
  })

  it("returns a carry that does not alias the caller's chunk buffer", () => {
    const chunk = enc("ab")
    const r = splitLines(empty, chunk)
    chunk[0] = 0x7a
    expect(text(r.carry)).toBe("ab")
  })

  it("property: any chunking yields exactly the reference lines, and the final carry is the tail", () => {
    fc.assert(
      fc.property(
        logText.chain((s) => fc.tuple(fc.constant(s), cutsFor(enc(s).length))),
        ([s, cuts]) => {
          const { lines, carry } = feed(chunked(enc(s), cuts))
          const ref = reference(s)
          expect(lines).toEqual(ref.lines)
          expect(text(carry)).toBe(ref.tail)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("property: on arbitrary bytes, any chunking yields the same lines and carry as one chunk", () => {
    const bytesAndCuts = fc
      .uint8Array({ maxLength: 64 })
      .map((b) => b.map((x) => (x % 16 === 0 ? 0x0a : x)))
      .chain((b) => fc.tuple(fc.constant(b), cutsFor(b.length)))
    fc.assert(
      fc.property(bytesAndCuts, ([bytes, cuts]) => {
        const whole = splitLines(empty, bytes)
        const parts = feed(chunked(bytes, cuts))
        expect(parts.lines).toEqual(whole.lines)
        expect(parts.carry).toEqual(whole.carry)
      }),
      { numRuns: 500 }
    )
  })
})

describe("checkpointAfter / resumeOffset / readPlan", () => {
  it("checkpoint excludes the carry so a partial line is re-read", () => {
    expect(checkpointAfter(100, enc("abc"))).toBe(97)
    expect(checkpointAfter(100, empty)).toBe(100)
    expect(checkpointAfter(2, enc("abc"))).toBe(0)
  })

  it("resumes at the checkpoint when the file did not shrink", () => {
    expect(resumeOffset(10, 10)).toEqual({ offset: 10, truncated: false })
    expect(resumeOffset(10, 50)).toEqual({ offset: 10, truncated: false })
  })

  it("restarts at 0 and says so when the file shrank below the checkpoint", () => {
    expect(resumeOffset(10, 9)).toEqual({ offset: 0, truncated: true })
    expect(resumeOffset(10, 0)).toEqual({ offset: 0, truncated: true })
  })

  it("treats a checkpoint that is not a byte offset as 0", () => {
    expect(resumeOffset(-1, 5)).toEqual({ offset: 0, truncated: false })
    expect(resumeOffset(Number.NaN, 5)).toEqual({ offset: 0, truncated: false })
    expect(resumeOffset(1.5, 5)).toEqual({ offset: 0, truncated: false })
  })

  it("property: the resume offset never exceeds the file size", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (cp, size) => {
        const r = resumeOffset(cp, size)
        expect(r.offset).toBeLessThanOrEqual(size)
        expect(r.truncated).toBe(cp > size)
      })
    )
  })

  it("readPlan bounds a read by maxChunk and by what is available", () => {
    expect(readPlan(10, 100, 30)).toEqual({ offset: 10, length: 30, truncated: false })
    expect(readPlan(90, 100, 30)).toEqual({ offset: 90, length: 10, truncated: false })
    expect(readPlan(100, 100, 30)).toEqual({ offset: 100, length: 0, truncated: false })
    expect(readPlan(120, 100, 30)).toEqual({ offset: 0, length: 30, truncated: true })
    expect(readPlan(0, 5, 0)).toEqual({ offset: 0, length: 1, truncated: false })
  })
})

describe("crash and resume", () => {
  // The tailer commits its emitted lines together with the checkpoint (one state write). A crash loses
  // everything since the last commit: the in-memory carry and the uncommitted lines.
  const op = fc.oneof(
    fc.record({ kind: fc.constant("append" as const), bytes: fc.nat(40) }),
    fc.record({ kind: fc.constant("read" as const), max: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant("commit" as const) }),
    fc.record({ kind: fc.constant("crash" as const) })
  )

  it("property: checkpoint then resume never loses nor duplicates a line", () => {
    fc.assert(
      fc.property(logText, fc.array(op, { maxLength: 60 }), (s, ops) => {
        const all = enc(s)
        let written = 0 // the file grows as the agent writes
        let committed = { checkpoint: 0, lines: [] as Array<string> }
        let session = { pos: 0, carry: empty, lines: [] as Array<string> }
        const resume = () => {
          const { offset } = resumeOffset(committed.checkpoint, written)
          session = { pos: offset, carry: empty, lines: [] }
        }
        const read = (max: number) => {
          const plan = readPlan(session.pos, written, max)
          const r = splitLines(session.carry, all.subarray(plan.offset, plan.offset + plan.length))
          session = { pos: plan.offset + plan.length, carry: r.carry, lines: [...session.lines, ...r.lines] }
        }
        const commit = () => {
          committed = {
            checkpoint: checkpointAfter(session.pos, session.carry),
            lines: [...committed.lines, ...session.lines]
          }
          session = { ...session, lines: [] }
        }
        for (const o of ops) {
          if (o.kind === "append") written = Math.min(all.length, written + o.bytes)
          else if (o.kind === "read") read(o.max)
          else if (o.kind === "commit") commit()
          else resume()
        }
        // Finish: the agent wrote everything, a last (possibly restarted) tail reads to the end.
        written = all.length
        resume()
        while (session.pos < written) read(16)
        commit()
        const ref = reference(s)
        expect(committed.lines).toEqual(ref.lines)
        expect(text(session.carry)).toBe(ref.tail)
        expect(committed.checkpoint).toBe(all.length - enc(ref.tail).length)
      }),
      { numRuns: 500 }
    )
  })

  it("a truncated log is re-read from the start and reported", () => {
    const before = enc("one\ntwo\nthr")
    const r = splitLines(empty, before)
    const checkpoint = checkpointAfter(before.length, r.carry)
    expect(checkpoint).toBe(8)
    const after = enc("new\n") // rotated: shorter than the checkpoint
    const resumed = resumeOffset(checkpoint, after.length)
    expect(resumed).toEqual({ offset: 0, truncated: true })
    expect(splitLines(empty, after.subarray(resumed.offset)).lines).toEqual(["new"])
  })
})
