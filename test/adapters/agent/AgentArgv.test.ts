/**
 * Laws of the pure argv builders: whatever the prompt contains, it is exactly one argv element, the
 * rest of argv does not depend on it, and it can never be read as an option.
 */
import * as Result from "effect/Result"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { AgentKindSpec } from "../../../core/ports/AgentLauncher.ts"
import { buildFresh, buildResume, checkKindSpec, SAFE_CONVERSATION_ID } from "../../../adapters/agent/AgentArgv.ts"
import { BUILTIN_KINDS, claude, mergeKinds } from "../../../adapters/agent/AgentKinds.ts"
import { kindSpec } from "../../../adapters/agent/AgentLauncherFake.ts"

const MARK = "\u0001PROMPT\u0001"
const ID = "3f9f74a6-6b7c-4a3e-9e1d-2f1f0a9b8c7d"
const CWD = "/repo/.rekindle/worktrees/b/t"

/** Prompts an attacker or a careless manifest could produce (never NUL: argv cannot carry it). */
const hostilePrompt = fc
  .oneof(
    fc.string({ unit: "binary", minLength: 1 }),
    fc.string({ minLength: 1 }).map((s) => `-${s}`),
    fc.string().map((s) => `--${s}`),
    fc.constantFrom(
      "-",
      "--",
      "--help",
      "-rf /",
      "$(rm -rf ~)",
      "`id`",
      "a\nb\r\nc",
      "'\"\\",
      "{conversationId}",
      "{prompt}{cwd}",
      " ",
      "\t-x"
    )
  )
  .filter((s) => s !== "" && !s.includes("\u0000") && !s.includes(MARK))

// shell passes the prompt in the environment, pi as a file: neither puts it in argv.
const promptKinds = BUILTIN_KINDS.filter((k) => k.name !== "shell" && k.name !== "pi")

const build = (spec: AgentKindSpec, mode: "fresh" | "resume", prompt: string) =>
  (mode === "fresh" ? buildFresh : buildResume)(spec, { prompt, conversationId: ID, cwd: CWD })

const argvOf = (r: ReturnType<typeof build>): ReadonlyArray<string> => {
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success.argv
}

describe("argv builders", () => {
  it("every built-in kind passes the table check", () => {
    for (const k of BUILTIN_KINDS) expect(checkKindSpec(k), k.name).toEqual([])
  })

  for (const spec of promptKinds) {
    for (const mode of ["fresh", "resume"] as const) {
      it(`${spec.name} ${mode}: the prompt is one argv element, argv shape is prompt-independent, never an option`, () => {
        const template = argvOf(build(spec, mode, MARK))
        const at = template.flatMap((a, i) => (a.includes(MARK) ? [i] : []))
        expect(at).toHaveLength(1)
        const i = at[0]!
        // Where the prompt may decide the first character, an end-of-options marker came first.
        if (template[i]!.startsWith(MARK)) expect(template.slice(0, i)).toContain("--")
        fc.assert(
          fc.property(hostilePrompt, (prompt) => {
            const argv = argvOf(build(spec, mode, prompt))
            expect(argv).toEqual(template.map((a, j) => (j === i ? a.replace(MARK, () => prompt) : a)))
          }),
          { numRuns: 300 }
        )
      })
    }
  }

  it("shell never puts the prompt in argv; it travels in REKINDLE_PROMPT", () => {
    fc.assert(
      fc.property(hostilePrompt, fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (prompt, command) => {
        const r = buildFresh(BUILTIN_KINDS.find((k) => k.name === "shell")!, { prompt, command, cwd: CWD })
        if (command.some((c) => c.includes("\u0000"))) return expect(Result.isFailure(r)).toBe(true)
        expect(Result.getOrThrow(r)).toEqual({ argv: command, env: { REKINDLE_PROMPT: prompt } })
      })
    )
  })

  it("pi never puts the prompt in argv; it reads the file rekindle wrote, as @<file>", () => {
    const pi = BUILTIN_KINDS.find((k) => k.name === "pi")!
    fc.assert(
      fc.property(hostilePrompt, (prompt) => {
        const input = { prompt, promptFile: "/repo/.rekindle/b1/prompts/t1.md", conversationId: ID, cwd: CWD }
        expect(argvOf(buildFresh(pi, input))).toEqual(["pi", "@/repo/.rekindle/b1/prompts/t1.md"])
        expect(argvOf(buildResume(pi, input))).toEqual(["pi", "--session", ID, "@/repo/.rekindle/b1/prompts/t1.md"])
      })
    )
    expect(argvOf(buildResume(pi, { conversationId: ID, cwd: CWD }))).toEqual(["pi", "--session", ID])
  })

  it("a NUL byte anywhere in the prompt is refused, never truncated", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        for (const spec of BUILTIN_KINDS) {
          const r = buildFresh(spec, { prompt: `${a}\u0000${b}`, conversationId: ID, cwd: CWD, command: ["true"] })
          expect(Result.isFailure(r) && r.failure.reason === "Invalid").toBe(true)
        }
      }),
      { numRuns: 50 }
    )
  })

  it("an empty prompt drops the optional prompt group", () => {
    expect(argvOf(buildFresh(claude, { prompt: "", conversationId: ID, cwd: CWD }))).toEqual([
      "claude",
      "--session-id",
      ID
    ])
  })

  it("only safe conversation ids are accepted; every safe one survives as its own element", () => {
    fc.assert(
      fc.property(fc.stringMatching(SAFE_CONVERSATION_ID), (id) => {
        expect(argvOf(buildResume(claude, { conversationId: id, cwd: CWD }))).toEqual(["claude", "--resume", id])
      })
    )
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !SAFE_CONVERSATION_ID.test(s)),
        (id) => {
          const r = buildResume(claude, { conversationId: id, cwd: CWD })
          expect(Result.isFailure(r) && r.failure.reason === "Invalid").toBe(true)
        }
      )
    )
  })
})

describe("checkKindSpec", () => {
  it("flags unsafe or broken templates", () => {
    expect(checkKindSpec(kindSpec("a", { fresh: ["{prompt}"] })).join()).toContain('"--"')
    expect(checkKindSpec(kindSpec("a", { fresh: ["{nope}"] })).join()).toContain("unknown placeholder {nope}")
    expect(
      checkKindSpec(
        kindSpec("a", {
          fresh: [
            { when: "conversationId", argv: ["--"] },
            { when: "prompt", argv: ["{prompt}"] }
          ]
        })
      )
    ).toHaveLength(1)
    expect(checkKindSpec(kindSpec("a", { fresh: ["--", { when: "prompt", argv: ["{prompt}"] }] }))).toEqual([])
    expect(checkKindSpec(kindSpec("a", { fresh: ["-m", "x{prompt}"] }))).toEqual([])
    const { executable: _omit, ...noExe } = kindSpec("a")
    expect(checkKindSpec(noExe).join()).toContain("splice")
    expect(checkKindSpec(kindSpec("a", { conversation: "none" })).join()).toContain("cannot have a resume")
    expect(checkKindSpec(kindSpec("a", { promptEnv: "BAD NAME" })).join()).toContain("promptEnv")
  })
})

describe("mergeKinds", () => {
  it("configured rows replace by name in place and append new names once", () => {
    const names = fc.array(fc.constantFrom("claude", "codex", "x", "y", "shell"), { maxLength: 6 })
    fc.assert(
      fc.property(names, (ns) => {
        const overrides = ns.map((n, i) => kindSpec(n, { notes: String(i) }))
        const merged = mergeKinds(BUILTIN_KINDS, overrides)
        expect(new Set(merged.map((k) => k.name)).size).toBe(merged.length)
        expect(merged.slice(0, BUILTIN_KINDS.length).map((k) => k.name)).toEqual(BUILTIN_KINDS.map((k) => k.name))
        for (const k of merged) {
          const mine = overrides.filter((o) => o.name === k.name)
          if (mine.length > 0) expect(mine).toContain(k)
        }
      })
    )
  })
})
