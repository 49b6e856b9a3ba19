/**
 * Hostile manifest fields (issue 8, "Hostile input"): every class of hostile string planted in every
 * field is either refused by the manifest Schema — E_INVALID_MANIFEST whose problem names the field
 * and says why — or carried verbatim (prompts and argv; see Delivery.test.ts). Through the real CLI a
 * refusal changes nothing: no file in the repo (nor .git), no branch, no worktree, no tmux server,
 * and no injected command ran.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Result from "effect/Result"
import { afterAll, describe, expect, it } from "vitest"
import { validateManifest } from "../../core/domain/Manifest.ts"
import { HostileRepo } from "./cli.ts"
import { CLASSES, expected, FIELDS, fieldPath, HOSTILE, plant, type Field } from "./inputs.ts"

/** The problem line naming `field`, if any. */
const naming = (problems: ReadonlyArray<string>, field: Field) =>
  problems.find((p) => p.endsWith(` at ${fieldPath[field]}`) || p.includes(` at ${fieldPath[field]}[`))

describe("hostile manifest fields, decoded in process", () => {
  it("every class in every field is refused naming the field, or accepted only where the value is carried verbatim", () => {
    const wrong: Array<string> = []
    for (const field of FIELDS) {
      for (const c of CLASSES) {
        const value = HOSTILE[c]!
        const r = validateManifest(plant(field, value))
        const want = expected(field, value)
        if (want === "accept" && Result.isFailure(r)) wrong.push(`${field}/${c}: refused (${r.failure.join("; ")})`)
        if (want === "reject") {
          if (Result.isSuccess(r)) wrong.push(`${field}/${c}: accepted`)
          else {
            const line = naming(r.failure, field)
            // A clear refusal: it names the field's path and says why before it.
            if (line === undefined || line.indexOf(" at [") < 8)
              wrong.push(`${field}/${c}: unclear (${r.failure.join("; ")})`)
          }
        }
      }
    }
    expect(wrong).toEqual([])
  })

  it("an accepted manifest keeps prompts and argv byte for byte", () => {
    for (const c of CLASSES.filter((k) => !HOSTILE[k]!.includes("\u0000"))) {
      const r = validateManifest(plant("prompt", HOSTILE[c]!))
      expect(Result.isSuccess(r) && r.success.manifest.tasks[0]!.prompt).toBe(HOSTILE[c])
      const a = validateManifest(plant("command", HOSTILE[c]!))
      expect(Result.isSuccess(a) && a.success.manifest.tasks[0]!.command).toEqual(["true", HOSTILE[c]])
    }
  })

  it("regression: tmuxSocket '.', '..' and '-x' were accepted; tmux then failed ('Is a directory') and left a lock file in its socket dir", () => {
    for (const socket of [".", "..", "-x", ".hidden"]) {
      const r = validateManifest(plant("socket", socket))
      expect(Result.isFailure(r) && r.failure.some((p) => p.includes(`at ${fieldPath.socket}`))).toBe(true)
    }
    expect(Result.isSuccess(validateManifest(plant("socket", "my.sock-1")))).toBe(true)
  })
})

describe("rekindle run <hostile manifest> (real CLI, real git, private tmux socket)", () => {
  const repo = new HostileRepo()
  afterAll(() => repo.cleanup())

  const refused = async (manifest: unknown, field: Field, why: RegExp) => {
    const r = await repo.run(manifest)
    expect({ exit: r.exitCode, code: r.errorCode, stderr: r.stderr }).toEqual({
      exit: 1,
      code: "E_INVALID_MANIFEST",
      stderr: ""
    })
    expect(naming(r.problems, field)).toMatch(why)
    expect({ changed: r.changed, sessions: r.sessions, pwned: r.pwned }).toEqual({
      changed: [],
      sessions: [],
      pwned: false
    })
  }

  const ID = /must be 1-64 characters of \[A-Za-z0-9_-\] and must not start with '-'/
  const cases: ReadonlyArray<readonly [Field, string, RegExp]> = [
    ["taskId", "subshell", ID],
    ["lane", "dash", ID],
    ["batchId", "dotdotPath", ID],
    ["dependsOn", "semicolon", ID],
    ["agent", "backtick", /Expected a string matching the RegExp \^\[a-z\]/],
    ["socket", "dotdot", /starting with a letter, digit or '_'/],
    ["prompt", "nul", /NUL/],
    ["command", "nul", /NUL/],
    ["program", "empty", /program name must not be empty/],
    ["promptFile", "nul", /NUL/],
    ["failurePolicy", "tmuxCommand", /Expected "stop-all"/]
  ]
  it.each(cases)(
    "%s = %s is refused, naming the field, and nothing is created",
    async (field, c, why) => {
      await refused(plant(field, repo.arm(HOSTILE[c]!), repo.socket), field, why)
    },
    60_000
  )

  it("regression: a 20 KB prompt was accepted, then the launch failed with tmux's 'command too long' after the worktree was created", async () => {
    await refused(
      plant("prompt", "p".repeat(20_000), repo.socket),
      "prompt",
      /is 20000 bytes; at most 8192 fit in the tmux command/
    )
  }, 60_000)

  it("regression: the same for a prompt file (checked once read) and for prompt + argv together", async () => {
    const dir = nodePath.join(repo.base, "prompts")
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(nodePath.join(dir, "big.md"), "é".repeat(5_000))
    const manifest = plant("promptFile", nodePath.join(dir, "big.md"), repo.socket)
    await refused(manifest, "prompt", /is 10000 bytes/)
    const both = plant("prompt", "p".repeat(5_000), repo.socket) as { tasks: Array<Record<string, unknown>> }
    both.tasks[0]!["command"] = ["true", "q".repeat(4_000)]
    const r = await repo.run(both)
    expect(r.errorCode).toBe("E_INVALID_MANIFEST")
    expect(r.problems.find((p) => p.endsWith(`at ["tasks"][0]`))).toMatch(
      /prompt, command, args and env together are 9006 bytes/
    )
    expect({ changed: r.changed, sessions: r.sessions }).toEqual({ changed: [], sessions: [] })
  }, 60_000)
})
