/**
 * Recording an agent's folder trust for the repository root (the `trustRepository` policy): one key set, every other key
 * kept, the file's mode kept, written by rename; a preview writes nothing; a file that is not a JSON object is refused
 * and left exactly as it was; CLAUDE_CONFIG_DIR moves Claude's file. Gemini's rule records a string, counts
 * TRUST_PARENT as trust too, and never overwrites the user's own other answer (DO_NOT_TRUST).
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as Schema from "effect/Schema"
import { BUILTIN_KINDS, claude } from "../../../adapters/agent/AgentKinds.ts"
import { recordTrust } from "../../../adapters/agent/AgentTrust.ts"
import { AgentKindSpec, type TrustRule } from "../../../core/domain/AgentSpec.ts"
import { decideTrust, hasTrust, showKey, withTrust } from "../../../core/domain/Trust.ts"

const roots: Array<string> = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})

const tempHome = () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-trust-")))
  roots.push(root)
  return root
}

const gemini = BUILTIN_KINDS.find((k) => k.name === "gemini")!

const recordWith = (rule: TrustRule, home: string, repo: string, preview: boolean, env: Record<string, string> = {}) =>
  Effect.runPromise(
    Effect.provide(
      Effect.gen(function* () {
        const f = yield* FileSystem.FileSystem
        const p = yield* Path.Path
        return yield* recordTrust(f, p, { home, env }, rule, repo, preview)
      }),
      NodeServices.layer
    )
  )

const record = (home: string, repo: string, preview: boolean, env: Record<string, string> = {}) =>
  recordWith(claude.trust!, home, repo, preview, env)
const recordGemini = (home: string, repo: string, preview: boolean, env: Record<string, string> = {}) =>
  recordWith(gemini.trust!, home, repo, preview, env)

describe("AgentTrust", () => {
  it("sets projects[<repo root>].hasTrustDialogAccepted and keeps every other key and the file's mode", async () => {
    const home = tempHome()
    const file = path.join(home, ".claude.json")
    const before = {
      hasCompletedOnboarding: true,
      projects: { "/other": { hasTrustDialogAccepted: false, allowedTools: ["x"] }, "/repo": { history: [1] } },
      nested: { a: { b: 1 } }
    }
    fs.writeFileSync(file, JSON.stringify(before), { mode: 0o600 })
    const change = await record(home, "/repo", false)
    expect(change).toEqual({ file, key: 'projects["/repo"].hasTrustDialogAccepted', value: "true", changed: true })
    const after = JSON.parse(fs.readFileSync(file, "utf8"))
    expect(after).toEqual({
      ...before,
      projects: { ...before.projects, "/repo": { history: [1], hasTrustDialogAccepted: true } }
    })
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(home), "no temp file left").toEqual([".claude.json"])
    expect(await record(home, "/repo", false), "already trusted: nothing written").toMatchObject({ changed: false })
  })

  it("a preview writes nothing; a missing file is created only when recording", async () => {
    const home = tempHome()
    expect(await record(home, "/r", true)).toMatchObject({ changed: true })
    expect(fs.existsSync(path.join(home, ".claude.json"))).toBe(false)
    await record(home, "/r", false)
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8"))).toEqual({
      projects: { "/r": { hasTrustDialogAccepted: true } }
    })
  })

  it("refuses a file that is not a JSON object, and leaves it byte for byte", async () => {
    const home = tempHome()
    const file = path.join(home, ".claude.json")
    for (const text of ["{not json", "[1,2]", '{"projects": 3}']) {
      fs.writeFileSync(file, text)
      await expect(record(home, "/r", false)).rejects.toThrow(/left as it is/)
      expect(fs.readFileSync(file, "utf8")).toBe(text)
    }
  })

  it("follows CLAUDE_CONFIG_DIR", async () => {
    const home = tempHome()
    const dir = path.join(home, "cfg")
    const change = await record(home, "/r", false, { CLAUDE_CONFIG_DIR: dir })
    expect(change?.file).toBe(path.join(dir, ".claude.json"))
    expect(fs.existsSync(path.join(home, ".claude.json"))).toBe(false)
  })

  it("pure parts: a repository path with dots is one key segment", () => {
    const key = ["projects", "/a.b/c", "hasTrustDialogAccepted"]
    expect(showKey(key)).toBe('projects["/a.b/c"].hasTrustDialogAccepted')
    const doc = withTrust({ projects: { "/x": { keep: 1 } } }, key)!
    expect(hasTrust(doc, key)).toBe(true)
    expect(doc).toEqual({ projects: { "/x": { keep: 1 }, "/a.b/c": { hasTrustDialogAccepted: true } } })
    expect(withTrust({ projects: "no" }, key)).toBeUndefined()
  })

  it("claude's false at the repository root is still overwritten (Claude writes it itself before anyone answers)", async () => {
    const home = tempHome()
    const file = path.join(home, ".claude.json")
    fs.writeFileSync(file, JSON.stringify({ projects: { "/r": { hasTrustDialogAccepted: false } } }))
    expect(await record(home, "/r", false)).toMatchObject({ changed: true })
    expect(JSON.parse(fs.readFileSync(file, "utf8")).projects["/r"].hasTrustDialogAccepted).toBe(true)
  })

  it('gemini: sets "<repo root>": "TRUST_FOLDER" in ~/.gemini/trustedFolders.json, keeping the other folders\' rules', async () => {
    const home = tempHome()
    const dir = path.join(home, ".gemini")
    const file = path.join(dir, "trustedFolders.json")
    const preview = await recordGemini(home, "/r", true)
    expect(preview).toEqual({ file, key: '["/r"]', value: '"TRUST_FOLDER"', changed: true })
    expect(fs.existsSync(dir), "a preview writes nothing").toBe(false)
    await recordGemini(home, "/r", false)
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ "/r": "TRUST_FOLDER" })
    expect(fs.statSync(file).mode & 0o777, "created 0600, as Gemini creates it").toBe(0o600)
    fs.writeFileSync(file, JSON.stringify({ "/home/u": "DO_NOT_TRUST", "/x": "TRUST_PARENT" }))
    await recordGemini(home, "/r", false)
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      "/home/u": "DO_NOT_TRUST",
      "/x": "TRUST_PARENT",
      "/r": "TRUST_FOLDER"
    })
  })

  it("gemini: TRUST_FOLDER or TRUST_PARENT already at the root is trust: nothing written", async () => {
    const home = tempHome()
    const file = path.join(home, ".gemini", "trustedFolders.json")
    fs.mkdirSync(path.dirname(file))
    for (const level of ["TRUST_FOLDER", "TRUST_PARENT"]) {
      const text = `{ "/r": "${level}" }`
      fs.writeFileSync(file, text)
      expect(await recordGemini(home, "/r", false)).toEqual({
        file,
        key: '["/r"]',
        value: '"TRUST_FOLDER"',
        changed: false
      })
      expect(fs.readFileSync(file, "utf8")).toBe(text)
    }
  })

  it("regression: gemini: the user's DO_NOT_TRUST for the repository root is never overwritten, and said so", async () => {
    const home = tempHome()
    const file = path.join(home, ".gemini", "trustedFolders.json")
    fs.mkdirSync(path.dirname(file))
    const text = '{\n  "/r": "DO_NOT_TRUST"\n}'
    fs.writeFileSync(file, text, { mode: 0o644 })
    for (const preview of [true, false]) {
      expect(await recordGemini(home, "/r", preview)).toEqual({
        file,
        key: '["/r"]',
        value: '"TRUST_FOLDER"',
        changed: false,
        kept: '"DO_NOT_TRUST"'
      })
    }
    expect(fs.readFileSync(file, "utf8"), "byte for byte").toBe(text)
    expect(fs.statSync(file).mode & 0o777).toBe(0o644)
  })

  it("gemini: GEMINI_CLI_HOME moves the file; GEMINI_CLI_TRUSTED_FOLDERS_PATH names it and wins; a relative name is refused", async () => {
    const home = tempHome()
    const cliHome = path.join(home, "gh")
    expect((await recordGemini(home, "/r", false, { GEMINI_CLI_HOME: cliHome }))?.file).toBe(
      path.join(cliHome, ".gemini", "trustedFolders.json")
    )
    const named = path.join(home, "elsewhere", "trust.json")
    const env = { GEMINI_CLI_HOME: cliHome, GEMINI_CLI_TRUSTED_FOLDERS_PATH: named }
    expect((await recordGemini(home, "/s", false, env))?.file).toBe(named)
    expect(JSON.parse(fs.readFileSync(named, "utf8"))).toEqual({ "/s": "TRUST_FOLDER" })
    await expect(recordGemini(home, "/s", false, { GEMINI_CLI_TRUSTED_FOLDERS_PATH: "rel.json" })).rejects.toThrow(
      /not an absolute path/
    )
    expect(fs.readdirSync(home).sort()).toEqual(["elsewhere", "gh"])
  })

  it("a rule without a value (every rule and state file written before values existed) decodes and records true", () => {
    const old = { root: { default: "~" }, path: ".x.json", key: ["t", "{repoRoot}"] }
    const spec = Schema.decodeUnknownSync(AgentKindSpec)({ ...claude, trust: old })
    expect(spec.trust).toEqual(old)
    expect(decideTrust({}, spec.trust!, "/r")).toEqual({ _tag: "Write", doc: { t: { "/r": true } } })
    expect(decideTrust({ t: { "/r": true } }, spec.trust!, "/r")).toEqual({ _tag: "Trusted" })
    expect(decideTrust({ t: { "/r": false } }, spec.trust!, "/r")).toEqual({
      _tag: "Write",
      doc: { t: { "/r": true } }
    })
    expect(Schema.decodeUnknownSync(AgentKindSpec)(gemini)).toEqual(gemini)
  })
})
