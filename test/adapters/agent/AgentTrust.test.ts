/**
 * Recording Claude's folder trust for the repository root (the `trustRepository` policy): one key set, every other key
 * kept, the file's mode kept, written by rename; a preview writes nothing; a file that is not a JSON object is refused
 * and left exactly as it was; CLAUDE_CONFIG_DIR moves the file.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { claude } from "../../../adapters/agent/AgentKinds.ts"
import { hasTrust, recordTrust, showKey, withTrust } from "../../../adapters/agent/AgentTrust.ts"

const roots: Array<string> = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})

const tempHome = () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-trust-")))
  roots.push(root)
  return root
}

const record = (home: string, repo: string, preview: boolean, env: Record<string, string> = {}) =>
  Effect.runPromise(
    Effect.provide(
      Effect.gen(function* () {
        const f = yield* FileSystem.FileSystem
        const p = yield* Path.Path
        return yield* recordTrust(f, p, { home, env }, claude.trust!, repo, preview)
      }),
      NodeServices.layer
    )
  )

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
    expect(change).toEqual({ file, key: 'projects["/repo"].hasTrustDialogAccepted', changed: true })
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
})
