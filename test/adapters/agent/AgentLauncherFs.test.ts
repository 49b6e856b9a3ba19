/**
 * Real-file-system behaviour the in-memory world cannot show: Claude Code records the PHYSICAL
 * working directory, so a worktree reached through a symlink must still find its transcript.
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
import { sequentialIds, transcriptPathFor } from "../../../adapters/agent/AgentLauncherFake.ts"
import * as AgentLauncherFs from "../../../adapters/agent/AgentLauncherFs.ts"

const roots: Array<string> = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})

describe("AgentLauncherFs on the real file system", () => {
  it("finds a Claude transcript through a symlinked worktree path (slug of the real path)", async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "rekindle-agentfs-")))
    roots.push(root)
    const home = path.join(root, "home")
    const real = path.join(root, "real", "wt")
    const link = path.join(root, "link")
    fs.mkdirSync(home, { recursive: true })
    fs.mkdirSync(real, { recursive: true })
    fs.symlinkSync(path.join(root, "real"), link)
    const id = "44444444-2222-4333-8444-555555555555"
    const file = transcriptPathFor(claude, { home, cwd: real, conversationId: id })
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, '{"type":"user"}\n')
    const [nodeFs, nodePath] = await Effect.runPromise(
      Effect.provide(
        Effect.all([FileSystem.FileSystem.useSync((x) => x), Path.Path.useSync((x) => x)]),
        NodeServices.layer
      )
    )
    const launcher = AgentLauncherFs.make(nodeFs, nodePath, { home, env: {}, newId: sequentialIds() })
    const viaLink = await Effect.runPromise(
      launcher.validateTranscript({ kind: "claude", conversationId: id, cwd: path.join(link, "wt") })
    )
    expect(viaLink).toMatchObject({ valid: true, path: file })
  })
})
