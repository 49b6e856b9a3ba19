import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  diffPaths,
  type FakeCommit,
  mergeBase,
  mergeTrees,
  statusEntries,
  type Tree
} from "../../../adapters/git/GitModel.ts"

const tree: fc.Arbitrary<Tree> = fc
  .dictionary(fc.constantFrom("a", "b", "c", "d/e"), fc.constantFrom("1", "2", "3"))
  .map((d) => new Map(Object.entries(d)))
const asObject = (t: Tree) => Object.fromEntries([...t].sort(([a], [b]) => (a < b ? -1 : 1)))
const merged = (r: ReturnType<typeof mergeTrees>) => ("tree" in r ? asObject(r.tree) : r.conflicts)

describe("fake three-way merge", () => {
  it("merging an unchanged side takes the other side", () => {
    fc.assert(
      fc.property(tree, tree, (base, x) => {
        expect(merged(mergeTrees(base, x, base))).toEqual(asObject(x))
        expect(merged(mergeTrees(base, base, x))).toEqual(asObject(x))
        expect(merged(mergeTrees(base, x, x))).toEqual(asObject(x))
      })
    )
  })

  it("is symmetric, and conflicts exactly where both sides changed a path differently", () => {
    fc.assert(
      fc.property(tree, tree, tree, (base, ours, theirs) => {
        expect(merged(mergeTrees(base, ours, theirs))).toEqual(merged(mergeTrees(base, theirs, ours)))
        const both = diffPaths(base, ours).filter(
          (p) => diffPaths(base, theirs).includes(p) && ours.get(p) !== theirs.get(p)
        )
        const r = mergeTrees(base, ours, theirs)
        expect("conflicts" in r ? r.conflicts : []).toEqual(both)
      })
    )
  })

  it("status: untracked files are new to HEAD and index; tracked paths show when any copy differs", () => {
    const head = new Map([
      ["a", "1"],
      ["b", "1"]
    ])
    const files = new Map([
      ["a", "2"],
      ["b", "1"],
      ["n", "x"]
    ])
    expect(statusEntries(head, head, files)).toEqual([
      { kind: "1", xy: ".M", path: "a" },
      { kind: "?", xy: "..", path: "n" }
    ])
    expect(statusEntries(head, head, new Map([["a", "1"]]))).toEqual([{ kind: "1", xy: ".D", path: "b" }])
  })

  it("merge base: the fork point of two histories", () => {
    const c = (id: string, ...parents: Array<string>): [string, FakeCommit] => [
      id,
      { id, parents, tree: new Map(), message: id }
    ]
    const commits = new Map([c("r"), c("f", "r"), c("x", "f"), c("y", "f"), c("m", "x", "y"), c("z", "y")])
    expect(mergeBase(commits, "x", "z")).toBe("f")
    expect(mergeBase(commits, "m", "z")).toBe("y")
    expect(mergeBase(commits, "x", "x")).toBe("x")
  })
})
