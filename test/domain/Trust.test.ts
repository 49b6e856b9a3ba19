/**
 * Laws of recording folder trust (core/domain/Trust.ts), over arbitrary JSON documents and keys: a write changes the
 * one key and nothing else; a rule that keeps other values never replaces a value it finds; a rule without a value
 * records `true` (every rule written before values existed).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TrustRule } from "../../core/domain/AgentSpec.ts"
import { decideTrust, hasTrust, trustKey } from "../../core/domain/Trust.ts"

const REPO = "/r.x/repo"
const segment = fc.constantFrom("a", "b", "projects", "{repoRoot}", "x.y")
const scalar = fc.oneof(
  fc.constantFrom("TRUST_FOLDER", "TRUST_PARENT", "DO_NOT_TRUST"),
  fc.boolean(),
  fc.constant(null)
)
const rule = fc.record({
  root: fc.constant({ default: "~" }),
  path: fc.constant("t.json"),
  key: fc.array(segment, { minLength: 1, maxLength: 3 }),
  value: fc.option(scalar, { nil: undefined }),
  alsoTrusted: fc.option(fc.array(scalar, { maxLength: 2 }), { nil: undefined }),
  keepOtherValues: fc.option(fc.boolean(), { nil: undefined })
}) as fc.Arbitrary<TrustRule>
const json = fc.letrec((tie) => ({
  doc: fc.dictionary(fc.constantFrom("a", "b", "projects", REPO, "x.y", "z"), tie("node"), { maxKeys: 4 }),
  node: fc.oneof({ depthSize: "small" }, scalar, fc.integer(), tie("doc"))
})).doc as fc.Arbitrary<Record<string, unknown>>

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** `doc` with the key path removed and every empty object dropped (a write may create the objects on the way). */
const without = (doc: unknown, key: ReadonlyArray<string>): unknown => {
  if (!isObject(doc)) return doc
  const [head, ...rest] = key
  const entries = Object.entries(doc).flatMap(([k, v]): Array<[string, unknown]> => {
    if (k === head && rest.length === 0) return []
    const next = without(v, k === head ? rest : [])
    return isObject(next) && Object.keys(next).length === 0 ? [] : [[k, next]]
  })
  return Object.fromEntries(entries)
}

describe("recording folder trust", () => {
  it("a write sets the rule's value at the key and changes nothing else", () => {
    fc.assert(
      fc.property(json, rule, (doc, r) => {
        const step = decideTrust(doc, r, REPO)
        if (step._tag !== "Write") return
        const key = trustKey(r, REPO)
        expect(hasTrust(step.doc, key, [r.value === undefined ? true : r.value])).toBe(true)
        expect(without(step.doc, key)).toEqual(without(doc, key))
      })
    )
  })

  it("keepOtherValues: a value found at the key is never replaced", () => {
    fc.assert(
      fc.property(json, rule, scalar, (doc, r, found) => {
        const key = trustKey(r, REPO)
        const seeded = decideTrust(doc, { ...r, value: found, keepOtherValues: false }, REPO)
        if (seeded._tag !== "Write") return
        expect(decideTrust(seeded.doc, { ...r, keepOtherValues: true }, REPO)._tag).not.toBe("Write")
        expect(hasTrust(seeded.doc, key, [found])).toBe(true)
      })
    )
  })

  it('regression: a rule whose value is null records null, not true (shrunk: key ["a"], value null)', () => {
    const r: TrustRule = { root: { default: "~" }, path: "t.json", key: ["a"], value: null }
    expect(decideTrust({}, r, REPO)).toEqual({ _tag: "Write", doc: { a: null } })
  })

  it("a rule without a value records true; true already there is trust", () => {
    const r: TrustRule = { root: { default: "~" }, path: "t.json", key: ["projects", "{repoRoot}", "ok"] }
    expect(decideTrust({}, r, REPO)).toEqual({ _tag: "Write", doc: { projects: { [REPO]: { ok: true } } } })
    expect(decideTrust({ projects: { [REPO]: { ok: true } } }, r, REPO)).toEqual({ _tag: "Trusted" })
    expect(decideTrust({ projects: 3 }, r, REPO)).toEqual({ _tag: "Blocked" })
  })
})
