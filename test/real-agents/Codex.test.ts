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
  type ModelReply,
  type ModelTurn,
  offersShell,
  oneCommand,
  type OpenAiServer,
  startOpenAiServer
} from "../support/model-servers/openai.ts"
import { killServer } from "../support/real/socket.ts"
import { CONTINUATION_PROMPT } from "../../core/engine/waves/Launch.ts"
import { commitAndSignal, makeAgentWorld, realAgentsEnabled, waitFor, type AgentWorld } from "./agent-world.ts"
import { CODEX_KEY_ENV, configureCodex } from "./codex-world.ts"

const PROMPT = "Create hello.txt containing hello, commit it, then signal that you are done."
const PROMPT_C = "Commit step one, then create world.txt containing world, commit it, and signal that you are done."
// What the scripted model has the agent run: the work, a commit, and rekindle's done marker.
const WORK = commitAndSignal("hello.txt", "hello", "codex: hello")
// (c) works in the same repo after (a) merged hello.txt: its own file, or its commit would be empty.
const WORK_C = commitAndSignal("world.txt", "world", "codex: world")
const STEP_ONE = 'printf "one\\n" > one.txt && git add one.txt && git commit -q -m "codex: step one"'

/** The agent's turns that open the conversation with `prompt` (side requests quote it inside other text). */
const promptTurns = (turns: ReadonlyArray<ModelTurn>, prompt: string) =>
  agentTurns(turns).filter((t) => t.toolResults === 0 && t.userTexts.some((u) => u.trim() === prompt))

/** The conversation id rekindle recorded for the batch's only task. */
const conversationOf = (world: AgentWorld, batch: string): string | undefined => {
  try {
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, `.rekindle/${batch}/state.json`), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string }>
    }
    return state.tasks[0]?.conversationId
  } catch {
    return undefined
  }
}

/**
 * The (c) script: step one, then the model hangs (the agent is mid-turn) until the test has killed
 * everything; after that, the turn carrying step one's result gets the work and the done marker.
 */
const resumable = (() => {
  let phase: "idle" | "before-kill" | "after-kill" = "idle"
  let hung = false
  let finished = false
  return {
    begin: () => {
      phase = "before-kill"
      return { stop: () => void (phase = "after-kill"), done: () => finished }
    },
    hanging: () => hung,
    reply: (turn: ModelTurn): ModelReply => {
      if (turn.toolResults === 0) return { shell: STEP_ONE }
      if (phase === "before-kill") {
        hung = true
        return { hang: true }
      }
      if (turn.toolResults === 1) return { shell: WORK_C }
      finished = true
      return { text: "Done: both steps are committed." }
    }
  }
})()

describe.runIf(realAgentsEnabled("codex"))("real Codex 0.169.0 under rekindle", () => {
  let server: OpenAiServer
  let world: AgentWorld
  beforeAll(async () => {
    server = await startOpenAiServer({
      script: (turn) =>
        !offersShell(turn)
          ? { text: "Hello file task" }
          : turn.userTexts.some((u) => u.trim() === PROMPT_C)
            ? resumable.reply(turn)
            : oneCommand(WORK, "Done: hello.txt is committed.")(turn)
    })
    world = makeAgentWorld("codex", { [CODEX_KEY_ENV]: "local-test-key" })
    configureCodex(world, server.baseUrl)
  }, 180_000)
  afterAll(async () => {
    const dump = process.env["REKINDLE_DEBUG_REQUESTS"]
    if (dump !== undefined && server !== undefined) fs.writeFileSync(dump, JSON.stringify(server.requests, null, 1))
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
    expect(promptTurns(server.turns(), PROMPT)).toHaveLength(1)
    expect(server.turns().every((t) => t.api === "responses")).toBe(true)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("codex: hello")
    // The conversation id rekindle learned is the one Codex recorded for this worktree.
    const learned = conversationOf(world, "cx-a")
    const rollouts = fs.globSync("sessions/*/*/*/rollout-*.jsonl", { cwd: nodePath.join(world.home, ".codex") })
    expect(rollouts.some((r) => learned !== undefined && r.endsWith(`-${learned}.jsonl`))).toBe(true)
  }, 300_000)

  it("(c) tmux server and supervisor killed mid-turn: resume continues the same Codex conversation, which finishes the task", async () => {
    const { stop, done } = resumable.begin()
    const manifest = world.manifest({
      // Codex in UTC−12 files its rollout under its local date: the day before UTC's until noon UTC (a regression:
      // discovery looked only from the UTC date on, and never learned the id).
      tasks: [{ id: "c3", agent: "codex", prompt: PROMPT_C, args: ["--no-daemon"], env: { TZ: "Etc/GMT+12" } }],
      options: { batchId: "cx-c", tmuxSocket: world.socket, stallTimeoutSeconds: 120 }
    })
    const supervisor = world.start(["run", manifest, "--json"], 240_000)
    // The agent ran its first command and is waiting on the model for its next turn.
    await waitFor(
      () => (resumable.hanging() ? true : undefined),
      120_000,
      () => world.screens()
    )
    const state = await waitFor(
      () => conversationOf(world, "cx-c"),
      60_000,
      () => `no conversation id learned\n${world.screens()}`
    )
    process.kill(supervisor.pid, "SIGKILL")
    await supervisor.done
    killServer(world.socket)
    stop()
    const before = server.turns().length
    const resumed = world.start(["resume", "cx-c", "--json"], 240_000)
    // The relaunched agent's first request: it carries the earlier turns (an exact-conversation resume) and
    // rekindle's one continuation turn, which is what makes the restored agent go on.
    const relaunched = () => agentTurns(server.turns().slice(before))[0]
    const first = await waitFor(relaunched, 240_000, () => `no model request after the relaunch\n${world.screens()}`)
    expect(first.userTexts.some((u) => u.trim() === PROMPT_C)).toBe(true)
    expect(first.userTexts.filter((u) => u.includes(CONTINUATION_PROMPT))).toHaveLength(1)
    expect(first.toolResults).toBeGreaterThanOrEqual(1)
    const end = await resumed.done
    if (end.code !== 0) throw new Error(`resume exited ${end.code}: ${end.stderr}\n${world.screens()}`)
    expect(promptTurns(server.turns(), PROMPT_C)).toHaveLength(1)
    expect(done()).toBe(true)
    expect(world.git("log", "--format=%s", "main")).toContain("codex: step one")
    expect(world.git("show", "main:world.txt")).toBe("world\n")
    const latest = conversationOf(world, "cx-c")
    expect(latest).toBe(state)
  }, 420_000)
})
