import { spawnSync } from "node:child_process"
import * as os from "node:os"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  isSafeRev,
  isValidBranchName,
  isValidRefPrefix,
  nextWipRef,
  wipPrefix
} from "../../../adapters/git/RefNames.ts"
import { GIT_ENV } from "../../support/real/repo.ts"

/** What `git check-ref-format --branch` says (argv only; cwd outside any repo). */
const gitAccepts = (name: string): boolean =>
  spawnSync("git", ["check-ref-format", "--branch", name], { cwd: os.tmpdir(), env: { ...process.env, ...GIT_ENV } })
    .status === 0

const nameish = fc.string({ unit: fc.constantFrom(..."ab-_./@{}~^:?*[\\ \t\né€"), minLength: 1, maxLength: 12 })

describe("branch names", () => {
  it("every name rekindle accepts, git accepts too (sampled against git check-ref-format --branch)", () => {
    fc.assert(
      fc.property(nameish, (name) => {
        if (isValidBranchName(name)) expect(gitAccepts(name)).toBe(true)
      }),
      { numRuns: 150 }
    )
  })

  it("accepts rekindle's own branch names and ordinary ones", () => {
    for (const name of ["main", "rekindle/b1/t-1", "feature/é", "a_b-c.d", "x/HEAD"]) {
      expect(isValidBranchName(name)).toBe(true)
      expect(gitAccepts(name)).toBe(true)
    }
  })

  it("refuses option-like and malformed names", () => {
    for (const name of [
      "",
      "-b",
      "--force",
      "HEAD",
      "@",
      "a..b",
      "a.lock",
      "a/.b",
      ".a",
      "a/",
      "a.",
      "a//b",
      "a b",
      "a~1",
      "a^",
      "a:b",
      "a?",
      "a*",
      "a[",
      "a\\b",
      "a@{1}",
      "a\nb",
      "x".repeat(201)
    ]) {
      expect(isValidBranchName(name)).toBe(false)
    }
  })
})

describe("revisions and prefixes", () => {
  it("a safe rev never starts with '-' and has no whitespace or ':'", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (rev) => {
        if (isSafeRev(rev)) {
          expect(rev.startsWith("-")).toBe(false)
          expect(/[\s:\u0000]/.test(rev)).toBe(false)
        }
      })
    )
    for (const rev of ["main", "HEAD", "HEAD~2", "a1b2c3d", "refs/rekindle/wip/t1/3", "main^{commit}"])
      expect(isSafeRev(rev)).toBe(true)
    for (const rev of ["", "-x", "--all", "HEAD:file", "a b"]) expect(isSafeRev(rev)).toBe(false)
  })

  it("ref prefixes: refs/…/ only, no globs", () => {
    for (const p of ["refs/", "refs/heads/", "refs/rekindle/wip/t1/", "refs/heads/rekindle/"])
      expect(isValidRefPrefix(p)).toBe(true)
    for (const p of ["refs", "heads/", "refs/*", "refs/heads", "refs/../x/", "-refs/", "refs/a b/"])
      expect(isValidRefPrefix(p)).toBe(false)
  })
})

describe("next WIP ref", () => {
  it("is free and numbered after every existing snapshot of the task", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000 })), fc.array(fc.string()), (ns, junk) => {
        const existing = [
          ...ns.map((n) => `${wipPrefix("t1")}${n}`),
          ...junk.map((j) => `${wipPrefix("t1")}${j}`),
          "refs/rekindle/wip/t2/99999"
        ]
        const next = nextWipRef("t1", existing)
        expect(existing).not.toContain(next)
        const n = Number(next.slice(wipPrefix("t1").length))
        const used = existing
          .filter((r) => r.startsWith(wipPrefix("t1")))
          .map((r) => r.slice(wipPrefix("t1").length))
          .filter((k) => /^[1-9][0-9]{0,8}$/.test(k))
          .map(Number)
        expect(n).toBe(Math.max(0, ...used) + 1)
        expect(n).toBeGreaterThan(Math.max(0, ...ns))
      })
    )
  })
})
