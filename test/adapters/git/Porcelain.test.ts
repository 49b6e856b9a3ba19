import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { WorktreeInfo } from "../../../core/domain/Signals.ts"
import {
  parseStatusV2,
  parseWorktreeList,
  renderStatusV2,
  renderWorktreeList,
  type StatusEntry,
  summarizeStatus
} from "../../../adapters/git/Porcelain.ts"
import { isValidBranchName } from "../../../adapters/git/RefNames.ts"

/** Fragments git allows in a path with `-z`: everything but NUL. */
const HOSTILE_BITS = [
  " ",
  "\t",
  "\n",
  "\r",
  "|",
  "'",
  '"',
  "$(rm -rf ~)",
  ";",
  "`x`",
  "\\",
  "-",
  "--",
  "ünï",
  "€",
  "😀",
  "%s",
  "worktree ",
  "HEAD ",
  "branch "
]

/** A path: hostile fragments and arbitrary code points, never NUL, never empty. */
const hostilePath = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_BITS), fc.string({ unit: "binary", minLength: 1, maxLength: 6 })), {
    minLength: 1,
    maxLength: 8
  })
  .map((parts) => parts.join("").replaceAll("\0", "_"))
  .filter((p) => p !== "")

const hex = fc
  .string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 40, maxLength: 40 })
  .filter((h) => !/^0+$/.test(h))
const branch = fc
  .array(fc.string({ unit: fc.constantFrom(..."abcXYZ019_-./é"), minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 3
  })
  .map((parts) => parts.join("/"))
  .filter(isValidBranchName)

const worktree: fc.Arbitrary<WorktreeInfo> = fc
  .record({
    path: hostilePath,
    head: fc.option(hex, { nil: undefined }),
    branch: fc.option(branch, { nil: undefined }),
    bare: fc.boolean(),
    detached: fc.boolean(),
    locked: fc.boolean(),
    prunable: fc.boolean()
  })
  .map(({ head, branch, ...rest }) => ({
    ...rest,
    ...(head === undefined ? {} : { head }),
    ...(branch === undefined ? {} : { branch })
  }))

describe("worktree list (-z) parser", () => {
  it("parse(render(x)) = x for any paths git allows", () => {
    fc.assert(
      fc.property(fc.array(worktree, { maxLength: 5 }), (ws) => {
        expect(parseWorktreeList(renderWorktreeList(ws))).toEqual(ws)
      }),
      { numRuns: 300 }
    )
  })

  it("reads real git 2.39 output: detached, multi-line lock reason, prunable, hostile path", () => {
    const head = "66cd333e37b7d7fdde081f7f9a15ed74b4ed7eb8"
    const raw = [
      `worktree /tmp/gx/repo\0HEAD ${head}\0branch refs/heads/main\0\0`,
      `worktree /tmp/gx/-dash\0HEAD ${head}\0detached\0locked why\nmulti\0\0`,
      `worktree /tmp/gx/repo/.git/m\0HEAD ${head}\0branch refs/heads/feat2\0prunable gitdir file points to non-existent location\0\0`,
      `worktree /tmp/gx/wt dir 'q' "dq" ünï $(x);|\ttab\nnl\0HEAD ${head}\0branch refs/heads/feat\0\0`
    ].join("")
    expect(parseWorktreeList(raw)).toEqual([
      { path: "/tmp/gx/repo", head, branch: "main", bare: false, detached: false, locked: false, prunable: false },
      { path: "/tmp/gx/-dash", head, bare: false, detached: true, locked: true, prunable: false },
      {
        path: "/tmp/gx/repo/.git/m",
        head,
        branch: "feat2",
        bare: false,
        detached: false,
        locked: false,
        prunable: true
      },
      {
        path: "/tmp/gx/wt dir 'q' \"dq\" ünï $(x);|\ttab\nnl",
        head,
        branch: "feat",
        bare: false,
        detached: false,
        locked: false,
        prunable: false
      }
    ])
  })

  it("an unborn HEAD (all zeros) is no head; a bare repo has none; unknown keys are ignored", () => {
    const raw = `worktree /r\0HEAD ${"0".repeat(40)}\0branch refs/heads/main\0\0worktree /b\0bare\0\0worktree /c\0HEAD ${"a".repeat(40)}\0future-key x\0detached\0\0`
    expect(parseWorktreeList(raw)).toEqual([
      { path: "/r", branch: "main", bare: false, detached: false, locked: false, prunable: false },
      { path: "/b", bare: true, detached: false, locked: false, prunable: false },
      { path: "/c", head: "a".repeat(40), bare: false, detached: true, locked: false, prunable: false }
    ])
  })

  it("empty output is no worktrees", () => {
    expect(parseWorktreeList("")).toEqual([])
  })
})

const xy = fc.string({ unit: fc.constantFrom(...".MTADRCU"), minLength: 2, maxLength: 2 })
const entry: fc.Arbitrary<StatusEntry> = fc.oneof(
  fc.record({ kind: fc.constantFrom("1" as const, "u" as const), xy, path: hostilePath }),
  fc.record({ kind: fc.constant("2" as const), xy, path: hostilePath, origPath: hostilePath }),
  fc.record({ kind: fc.constantFrom("?" as const, "!" as const), xy: fc.constant(".."), path: hostilePath })
)

describe("status --porcelain=v2 -z parser", () => {
  it("parse(render(x)) = x, renames keep their original path", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (es) => {
        expect(parseStatusV2(renderStatusV2(es))).toEqual(es)
      }),
      { numRuns: 300 }
    )
  })

  it("summary counts: untracked files, changed tracked paths, ignored never", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (es) => {
        const s = summarizeStatus(parseStatusV2(renderStatusV2(es)))
        expect(s.untracked).toBe(es.filter((e) => e.kind === "?").length)
        expect(s.changed).toBe(es.filter((e) => e.kind === "1" || e.kind === "2" || e.kind === "u").length)
        expect(s.dirty).toBe(s.untracked + s.changed > 0)
      })
    )
  })

  it("reads real git 2.39 output: a staged rename, an added file with a space, an untracked file", () => {
    const raw =
      "2 RM N... 100644 100644 100644 78981922613b2afb6025042ff6bd878ac1994e85 78981922613b2afb6025042ff6bd878ac1994e85 R100 a2\0a\0" +
      "1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 bca70f35318f31dd1d1d1d2d2e64c19b880899ff d/sp ace\0" +
      "? untr\0"
    expect(parseStatusV2(raw)).toEqual([
      { kind: "2", xy: "RM", path: "a2", origPath: "a" },
      { kind: "1", xy: "A.", path: "d/sp ace" },
      { kind: "?", xy: "..", path: "untr" }
    ])
    expect(summarizeStatus(parseStatusV2(raw))).toEqual({ dirty: true, untracked: 1, changed: 2 })
  })

  it("clean output is a clean summary; branch headers are skipped", () => {
    expect(summarizeStatus(parseStatusV2(""))).toEqual({ dirty: false, untracked: 0, changed: 0 })
    expect(parseStatusV2("# branch.oid abc\0# branch.head main\0")).toEqual([])
  })
})
