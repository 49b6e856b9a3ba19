/**
 * rekindle drives the real Codex CLI 0.169.0 (pinned in test/agents) end to end against a local model
 * server: real tmux on a private socket, a real git repo, a temp HOME. Outcomes are asserted on the
 * world: the requests the model server received, the files and commits the agent made, the base branch.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  agentTurns,
  type ModelTurn,
  offersShell,
  type OpenAiServer,
  startOpenAiServer
} from "../support/model-servers/openai.ts"
import { makeAgentWorld, realAgentsEnabled, type AgentWorld } from "./agent-world.ts"
import { CODEX_KEY_ENV, configureCodex } from "./codex-world.ts"

const PROMPT = "Create hello.txt containing hello, commit it, then signal that you are done."
// What the scripted model has the agent run: the work, a commit, and rekindle's done marker.
const WORK =
  'printf "hello\\n" > hello.txt && git add hello.txt && git commit -q -m "codex: hello" && ' +
  'printf \'{"status":"succeeded"}\' > "$REKINDLE_DONE_FILE"'

// The agent's turns that start the conversation with the prompt (side requests such as Codex's title
// request quote the prompt inside another text, offer no tools, and are not counted).
const promptTurns = (turns: ReadonlyArray<ModelTurn>) =>
  agentTurns(turns).filter((t) => t.toolResults === 0 && t.userTexts.some((u) => u.trim() === PROMPT))

describe.runIf(realAgentsEnabled("codex"))("real Codex 0.169.0 under rekindle", () => {
  let server: OpenAiServer
  let world: AgentWorld
  beforeAll(async () => {
    server = await startOpenAiServer({
      script: (turn) =>
        !offersShell(turn)
          ? { text: "Hello file task" }
          : turn.toolResults === 0
            ? { shell: WORK }
            : { text: "Done: hello.txt is committed." }
    })
    world = makeAgentWorld("codex", { [CODEX_KEY_ENV]: "local-test-key" })
    configureCodex(world, server.baseUrl)
  }, 180_000)
  afterAll(async () => {
    if (process.env["REKINDLE_DEBUG_REQUESTS"])
      fs.writeFileSync(process.env["REKINDLE_DEBUG_REQUESTS"], JSON.stringify(server.requests, null, 1))
    world?.cleanup()
    await server?.close()
  })

  it("(a) fresh launch in a task worktree: the prompt reaches the model once, the tool call completes the task, it is merged", async () => {
    const manifest = world.manifest({
      tasks: [{ id: "c1", agent: "codex", prompt: PROMPT, args: ["--no-daemon"] }],
      options: { batchId: "cx-a", tmuxSocket: world.socket, stallTimeoutSeconds: 120 }
    })
    const run = await world.start(["run", manifest, "--json"], 240_000).done
    const screens = run.code === 0 ? "" : world.screens()
    expect({ code: run.code, stderr: run.stderr, screens }).toMatchObject({ code: 0 })
    expect(promptTurns(server.turns())).toHaveLength(1)
    expect(server.turns().every((t) => t.api === "responses")).toBe(true)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("codex: hello")
    // The conversation id rekindle learned is the one Codex recorded for this worktree.
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, ".rekindle/cx-a/state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string; worktree?: string }>
    }
    const learned = state.tasks[0]?.conversationId
    const rollouts = fs.globSync("sessions/*/*/*/rollout-*.jsonl", { cwd: nodePath.join(world.home, ".codex") })
    expect(rollouts.some((r) => learned !== undefined && r.endsWith(`-${learned}.jsonl`))).toBe(true)
  }, 300_000)
})
