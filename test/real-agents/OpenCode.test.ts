/**
 * rekindle drives the real OpenCode 1.18.33 (pinned in test/agents) end to end against a local model
 * server speaking Chat Completions: real tmux on a private socket, a real git repo, a temp HOME.
 * Outcomes are asserted on the world: requests received, commits, the base branch, OpenCode's database.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { agentTurns, oneCommand, type OpenAiServer, startOpenAiServer } from "../support/model-servers/openai.ts"
import { commitAndSignal, makeAgentWorld, realAgentsEnabled, type AgentWorld } from "./agent-world.ts"
import { configureOpenCode, OPENCODE_ENV } from "./opencode-world.ts"

const PROMPT = "Create hello.txt containing hello, commit it, then signal that you are done."
const WORK = commitAndSignal("hello.txt", "hello", "opencode: hello")

describe.runIf(realAgentsEnabled("opencode"))("real OpenCode 1.18.33 under rekindle", () => {
  let server: OpenAiServer
  let world: AgentWorld
  beforeAll(async () => {
    server = await startOpenAiServer({ script: oneCommand(WORK, "Done: hello.txt is committed.") })
    world = makeAgentWorld("opencode")
    configureOpenCode(world, server.baseUrl)
  }, 180_000)
  afterAll(async () => {
    world?.cleanup()
    await server?.close()
  })

  it("(a) fresh launch in a task worktree: the prompt reaches the model once, the tool call completes the task, it is merged", async () => {
    const manifest = world.manifest({
      tasks: [{ id: "o1", agent: "opencode", prompt: PROMPT, env: OPENCODE_ENV }],
      options: { batchId: "oc-a", tmuxSocket: world.socket, stallTimeoutSeconds: 240 }
    })
    const run = await world.start(["run", manifest, "--json"], 420_000).done
    if (run.code !== 0) throw new Error(`run exited ${run.code}: ${run.stderr}\n${world.screens()}`)
    const opening = agentTurns(server.turns()).filter(
      (t) => t.toolResults === 0 && t.userTexts.some((u) => u.trim() === PROMPT)
    )
    expect(opening).toHaveLength(1)
    expect(server.turns().every((t) => t.api === "chat")).toBe(true)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("opencode: hello")
    // The conversation id rekindle learned is OpenCode's session for this task's worktree.
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, ".rekindle/oc-a/state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string; worktree?: string }>
    }
    const db = new DatabaseSync(nodePath.join(world.home, ".local/share/opencode/opencode.db"), { readOnly: true })
    const rows = db.prepare("SELECT id, directory FROM session WHERE parent_id IS NULL").all()
    db.close()
    expect(rows.map((r) => [r["id"], r["directory"]])).toContainEqual([
      state.tasks[0]?.conversationId,
      state.tasks[0]?.worktree
    ])
  }, 480_000)
})
