/**
 * rekindle drives the real pi 0.73.1 (pinned in test/agents) end to end against a local Chat
 * Completions server: real tmux on a private socket, a real git repo, a temp HOME. The prompt reaches
 * pi as a file (`@<file>`): pi's argv has no safe form for text.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { agentTurns, oneCommand, type OpenAiServer, startOpenAiServer } from "../support/model-servers/openai.ts"
import { commitAndSignal, makeAgentWorld, realAgentsEnabled, type AgentWorld } from "./agent-world.ts"
import { configurePi, PI_TASK } from "./pi-world.ts"

// Starts with "-" and names a file with "@": as argv, pi would read an option and a file.
const PROMPT = "--help @README.md: create hello.txt containing hello, commit it, then signal that you are done."
const WORK = commitAndSignal("hello.txt", "hello", "pi: hello")

describe.runIf(realAgentsEnabled("pi"))("real pi 0.73.1 under rekindle", () => {
  let server: OpenAiServer
  let world: AgentWorld
  beforeAll(async () => {
    server = await startOpenAiServer({ script: oneCommand(WORK, "Done: hello.txt is committed.") })
    world = makeAgentWorld("pi")
    configurePi(world, server.baseUrl)
  }, 180_000)
  afterAll(async () => {
    world?.cleanup()
    await server?.close()
  })

  it("(a) fresh launch in a task worktree: the prompt reaches the model once, verbatim; the tool call completes the task; merged", async () => {
    const manifest = world.manifest({
      tasks: [{ id: "p1", agent: "pi", prompt: PROMPT, ...PI_TASK }],
      options: { batchId: "pi-a", tmuxSocket: world.socket, stallTimeoutSeconds: 120 }
    })
    const run = await world.start(["run", manifest, "--json"], 240_000).done
    if (run.code !== 0) throw new Error(`run exited ${run.code}: ${run.stderr}\n${world.screens()}`)
    const opening = agentTurns(server.turns()).filter((t) => t.toolResults === 0)
    expect(opening).toHaveLength(1)
    expect(opening[0]?.userTexts.join("\n")).toContain(PROMPT)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("pi: hello")
    // The conversation id rekindle learned names pi's session file for this worktree.
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, ".rekindle/pi-a/state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string }>
    }
    const sessions = fs.globSync("sessions/*/*.jsonl", { cwd: nodePath.join(world.home, ".pi", "agent") })
    const id = state.tasks[0]?.conversationId
    expect(sessions.some((s) => id !== undefined && s.endsWith(`_${id}.jsonl`))).toBe(true)
  }, 300_000)
})
