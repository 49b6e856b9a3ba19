/**
 * Claude Code's project-directory slug and the transcript location rules.
 */
import * as Result from "effect/Result"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BUILTIN_KINDS, claude, codex } from "../../../adapters/agent/AgentKinds.ts"
import {
  CLAUDE_SLUG_MAX,
  claudePathHash,
  claudeProjectSlug,
  pinnedEnv,
  transcriptTarget
} from "../../../adapters/agent/TranscriptPath.ts"

describe("claudeProjectSlug", () => {
  it("replaces every non-alphanumeric UTF-16 unit with one '-' and keeps everything else in place", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: CLAUDE_SLUG_MAX }), (cwd) => {
        const expected = Array.from({ length: cwd.length }, (_, i) =>
          /[A-Za-z0-9]/.test(cwd[i]!) ? cwd[i]! : "-"
        ).join("")
        expect(claudeProjectSlug(cwd)).toBe(expected)
      }),
      { numRuns: 200 }
    )
  })

  it("matches the directory names observed on real machines", () => {
    expect(claudeProjectSlug("/Users/me/.agents")).toBe("-Users-me--agents")
    expect(claudeProjectSlug("/tmp/pmxenc/dot.v1.2")).toBe("-tmp-pmxenc-dot-v1-2")
    expect(claudeProjectSlug("/home/chris/2_project-files/projects/m2-clients/101-cal")).toBe(
      "-home-chris-2-project-files-projects-m2-clients-101-cal"
    )
    expect(claudeProjectSlug("/a/é")).toBe("-a--")
    expect(claudeProjectSlug("/a/😀")).toBe("-a---") // outside the BMP: two UTF-16 units, two dashes
    expect(claudeProjectSlug("/w/.rekindle/worktrees/b1/task_1")).toBe("-w--rekindle-worktrees-b1-task-1")
  })

  it("past 200 units: the first 200, '-', and the base-36 hash of the original path", () => {
    fc.assert(
      fc.property(fc.string({ minLength: CLAUDE_SLUG_MAX + 1, maxLength: 400 }), (cwd) => {
        const slug = claudeProjectSlug(cwd)
        expect(slug.slice(0, CLAUDE_SLUG_MAX)).toBe(cwd.replace(/[^A-Za-z0-9]/g, "-").slice(0, CLAUDE_SLUG_MAX))
        expect(slug.slice(CLAUDE_SLUG_MAX)).toBe(`-${Math.abs(claudePathHash(cwd)).toString(36)}`)
        expect(slug).toMatch(/^[A-Za-z0-9-]+$/)
      }),
      { numRuns: 200 }
    )
    // Two long paths that share the first 200 units no longer collide.
    const base = `/${"d".repeat(250)}`
    expect(claudeProjectSlug(`${base}/a`)).not.toBe(claudeProjectSlug(`${base}/b`))
  })

  it("the hash is Java's String.hashCode in int32, including the overflow corner", () => {
    expect(claudePathHash("")).toBe(0)
    expect(claudePathHash("hello")).toBe(99162322)
    expect(claudePathHash("polygenelubricants")).toBe(-2147483648) // Integer.MIN_VALUE
    expect(Math.abs(claudePathHash("polygenelubricants")).toString(36)).toBe("zik0zk")
  })
})

describe("transcriptTarget", () => {
  const base = { home: "/home/u", env: {}, cwd: "/w/t", conversationId: "abc-1" }

  it("resolves ~, the environment override (ignoring an empty value), and the slug", () => {
    expect(Result.getOrThrow(transcriptTarget(claude.transcript, base))).toEqual({
      type: "file",
      root: "/home/u/.claude",
      path: "projects/-w-t/abc-1.jsonl"
    })
    expect(
      Result.getOrThrow(transcriptTarget(claude.transcript, { ...base, env: { CLAUDE_CONFIG_DIR: "/cfg" } }))
    ).toMatchObject({ root: "/cfg" })
    expect(
      Result.getOrThrow(transcriptTarget(claude.transcript, { ...base, env: { CLAUDE_CONFIG_DIR: "" } }))
    ).toMatchObject({ root: "/home/u/.claude" })
    expect(Result.getOrThrow(transcriptTarget(codex.transcript, base))).toEqual({
      type: "glob",
      root: "/home/u/.codex",
      pattern: "sessions/*/*/*/rollout-*-abc-1.jsonl"
    })
  })

  const gemini = BUILTIN_KINDS.find((k) => k.name === "gemini")!

  it("gemini: a session file named after the id's first 8 characters, under GEMINI_CLI_HOME when set", () => {
    const id = "3f2b8c1d-0000-4000-8000-000000000000"
    expect(Result.getOrThrow(transcriptTarget(gemini.transcript, { ...base, conversationId: id }))).toEqual({
      type: "glob",
      root: "/home/u",
      pattern: ".gemini/tmp/*/chats/session-*-3f2b8c1d.jsonl"
    })
    const env = { GEMINI_CLI_HOME: "/gh" }
    expect(Result.getOrThrow(transcriptTarget(gemini.transcript, { ...base, env, conversationId: id }))).toMatchObject({
      root: "/gh"
    })
  })

  it("refuses ids that could escape the directory or widen the glob", () => {
    for (const id of ["../x", "a/b", "*", "a?", "[x]", "-x", "", ".."]) {
      expect(Result.isFailure(transcriptTarget(claude.transcript, { ...base, conversationId: id })), id).toBe(true)
      expect(Result.isFailure(transcriptTarget(codex.transcript, { ...base, conversationId: id })), id).toBe(true)
      expect(Result.isFailure(transcriptTarget(gemini.transcript, { ...base, conversationId: id })), id).toBe(true)
    }
  })

  it("pins the root variable into the agent's environment only when rekindle has it", () => {
    expect(pinnedEnv(claude.transcript, {})).toEqual({})
    expect(pinnedEnv(claude.transcript, { CLAUDE_CONFIG_DIR: "/cfg", OTHER: "x" })).toEqual({
      CLAUDE_CONFIG_DIR: "/cfg"
    })
    expect(pinnedEnv(codex.transcript, { CODEX_HOME: "/c" })).toEqual({ CODEX_HOME: "/c" })
  })
})
