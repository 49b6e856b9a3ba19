/**
 * Laws of the pure store codecs: the JSON error locator agrees with strict UTF-8 + JSON.parse and
 * points at the end of any truncated document; the journal parser never fails, returns a prefix of
 * the appended events for any truncation, and counts exactly the garbage lines.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { JournalEvent } from "../../../core/ports/Journal.ts"
import { encodeLine, parseJournal } from "../../../adapters/store/JournalCodec.ts"
import { fieldPathOf, locateJsonError } from "../../../adapters/store/JsonLocate.ts"

const enc = new TextEncoder()
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const parses = (b: Uint8Array): boolean => {
  try {
    JSON.parse(strict.decode(b))
    return true
  } catch {
    return false
  }
}
const jsonText = fc
  .tuple(fc.jsonValue({ stringUnit: "binary" }), fc.constantFrom(0, 2, "\t"))
  .map(([v, indent]) => JSON.stringify(v, null, indent))

describe("locateJsonError", () => {
  it("accepts every JSON document (any indentation, any unicode)", () => {
    fc.assert(
      fc.property(jsonText, (t) => locateJsonError(enc.encode(t)) === undefined),
      { numRuns: 500 }
    )
  })

  it("points exactly at the end of any truncated document that no longer parses", () => {
    fc.assert(
      fc.property(jsonText, fc.nat(), (t, n) => {
        const b = enc.encode(t)
        const cut = b.subarray(0, n % (b.length + 1))
        if (parses(cut)) return true
        return locateJsonError(cut)?.offset === cut.length
      }),
      { numRuns: 500 }
    )
  })

  it("agrees with strict UTF-8 + JSON.parse on arbitrary bytes and mutated documents", () => {
    const mutated = fc.tuple(jsonText, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([t, at, byte]) => {
      const b = enc.encode(t)
      if (b.length > 0) b[at % b.length] = byte
      return b
    })
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 40 })), (b) => {
        const issue = locateJsonError(b)
        expect(issue === undefined).toBe(parses(b))
        if (issue !== undefined) expect(issue.offset).toBeLessThanOrEqual(b.length)
      }),
      { numRuns: 1000 }
    )
  })

  it("regression: a BOM, a lone continuation byte and a deep nesting are located without recursion", () => {
    expect(locateJsonError(enc.encode("\ufeff{}"))?.offset).toBe(0)
    expect(locateJsonError(new Uint8Array([0x5b, 0x22, 0x80, 0x22, 0x5d]))?.offset).toBe(2)
    expect(locateJsonError(enc.encode("[".repeat(200_000)))?.offset).toBe(200_000)
  })

  it("fieldPathOf turns the first Schema issue path into a readable field path", () => {
    expect(fieldPathOf('Expected "a"\n  at ["tasks"][3]["status"]\nMissing key\n  at ["x"]')).toBe("tasks[3].status")
    expect(fieldPathOf('Missing key\n  at ["logCheckpoints"]["a b"]')).toBe('logCheckpoints["a b"]')
    expect(fieldPathOf("state document is not a JSON object")).toBeUndefined()
  })
})

const event: fc.Arbitrary<JournalEvent> = fc
  .record({
    at: fc.nat(),
    key: fc.string(),
    phase: fc.constantFrom("intent", "done", "info"),
    kind: fc.string({ minLength: 1 }),
    data: fc.option(
      fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
      { nil: undefined }
    )
  })
  .map(({ data, ...rest }) => (data === undefined ? rest : { ...rest, data }))

const lines = (events: ReadonlyArray<JournalEvent>): Uint8Array => {
  const parts = events.map((e) => {
    const r = encodeLine(e)
    if (r._tag === "Failure") throw new Error(r.failure)
    return r.success
  })
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe("parseJournal", () => {
  it("round-trips any sequence of events, one line each", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), (events) => {
        expect(parseJournal(lines(events))).toEqual({ events, tornTail: false, skipped: 0, skippedAt: [] })
      }),
      { numRuns: 300 }
    )
  })

  it("any truncation yields a prefix of the events, a torn tail exactly when cut mid-line, never a skip", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 10 }), fc.nat(), (events, n) => {
        const all = lines(events)
        const cut = all.subarray(0, n % (all.length + 1))
        const r = parseJournal(cut)
        expect(events.slice(0, r.events.length)).toEqual(r.events)
        expect(r.tornTail).toBe(cut.length > 0 && cut[cut.length - 1] !== 0x0a)
        expect(r.skipped).toBe(0)
      }),
      { numRuns: 500 }
    )
  })

  it("counts exactly the garbage lines in the middle", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(event, fc.constantFrom("garbage", "{", "[1,2]", '{"at":-1}')), { maxLength: 15 }),
        (items) => {
          const text =
            items.map((i) => (typeof i === "string" ? `${i}\n` : new TextDecoder().decode(lines([i])))).join("") +
            `${JSON.stringify({ at: 0, key: "end", phase: "info", kind: "k" })}\n`
          const r = parseJournal(enc.encode(text))
          expect(r.skipped).toBe(items.filter((i) => typeof i === "string").length)
          expect(r.tornTail).toBe(false)
          expect(r.events).toHaveLength(items.length - r.skipped + 1)
        }
      ),
      { numRuns: 300 }
    )
  })
})
