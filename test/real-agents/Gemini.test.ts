/**
 * rekindle drives the real Gemini CLI 0.61.0 (pinned in test/agents) end to end against a local Gemini
 * API server (`generateContent` / `streamGenerateContent`): real tmux on a private socket, a real git
 * repo, a temp HOME. Scenario (a) only; the others are not run yet (docs/agents.md).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type GeminiServer,
  geminiAgentTurns,
  oneShellCommand,
  startGeminiServer
} from "../support/model-servers/gemini.ts"
import { commitAndSignal, makeAgentWorld, realAgentsEnabled, type AgentWorld } from "./agent-world.ts"
import { configureGemini, geminiTask } from "./gemini-world.ts"

// Starts with "-": as a bare argv word, yargs would read an option.
const PROMPT = "--version? No: create hello.txt containing hello, commit it, then signal that you are done."
const WORK = commitAndSignal("hello.txt", "hello", "gemini: hello")

describe.runIf(realAgentsEnabled("gemini"))("real Gemini CLI 0.61.0 under rekindle", () => {
  let server: GeminiServer
  let world: AgentWorld
  beforeAll(async () => {
    server = await startGeminiServer({ script: oneShellCommand(WORK, "Done: hello.txt is committed.") })
    world = makeAgentWorld("gemini")
    configureGemini(world)
  }, 180_000)
  afterAll(async () => {
    world?.cleanup()
    await server?.close()
  })

  it("(a) fresh launch in a task worktree: the prompt reaches the model once, verbatim; the shell call completes the task; merged", async () => {
    const manifest = world.manifest({
      tasks: [{ id: "g1", agent: "gemini", prompt: PROMPT, ...geminiTask(server.baseUrl) }],
      options: { batchId: "gemini-a", tmuxSocket: world.socket, stallTimeoutSeconds: 120 }
    })
    const run = await world.start(["run", manifest, "--json"], 240_000).done
    if (run.code !== 0) throw new Error(`run exited ${run.code}: ${run.stderr}\n${world.screens()}`)
    const opening = geminiAgentTurns(server.turns()).filter((t) => t.toolResults === 0)
    expect(opening).toHaveLength(1)
    expect(opening[0]?.userTexts.join("\n")).toContain(PROMPT)
    // The prompt was sent once in all: no later request carries it as a new user turn.
    expect(
      geminiAgentTurns(server.turns()).every((t) => t.userTexts.filter((u) => u.includes(PROMPT)).length === 1)
    ).toBe(true)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("gemini: hello")
    // The conversation id rekindle assigned names Gemini's session file for this worktree.
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, ".rekindle/gemini-a/state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string }>
    }
    const id = state.tasks[0]?.conversationId ?? "none"
    const sessions = fs.globSync("tmp/*/chats/session-*.jsonl", { cwd: nodePath.join(world.home, ".gemini") })
    expect(sessions.some((s) => s.endsWith(`-${id.slice(0, 8)}.jsonl`))).toBe(true)
  }, 300_000)
})
