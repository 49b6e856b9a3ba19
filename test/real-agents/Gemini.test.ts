/**
 * rekindle drives the real Gemini CLI 0.61.0 (pinned in test/agents) end to end against a local Gemini
 * API server (`generateContent` / `streamGenerateContent`): real tmux on a private socket, a real git
 * repo, a temp HOME that has never trusted the repository. Scenario (a): rekindle records the repository root's folder
 * trust, so Gemini gets past it in the task worktree; and the user's own DO_NOT_TRUST is left, so the task waits at
 * Gemini's tool approval. The others are not run yet (docs/agents.md).
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
import { commitAndSignal, makeAgentWorld, realAgentsEnabled, waitFor, type AgentWorld } from "./agent-world.ts"
import { configureGemini, geminiTask, noneLeftUnder } from "./gemini-world.ts"

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

  it("(a) fresh launch in a task worktree of a repository Gemini never saw: rekindle records its trust; the prompt reaches the model once, verbatim; the shell call completes the task; merged", async () => {
    const manifest = world.manifest({
      tasks: [{ id: "g1", agent: "gemini", prompt: PROMPT, ...geminiTask(server.baseUrl) }],
      options: { batchId: "gemini-a", tmuxSocket: world.socket, stallTimeoutSeconds: 120 }
    })
    const trustFile = nodePath.join(world.home, ".gemini", "trustedFolders.json")
    expect(fs.existsSync(trustFile), "nobody trusted the repository before the run").toBe(false)
    const run = await world.start(["run", manifest, "--json"], 240_000).done
    if (run.code !== 0) throw new Error(`run exited ${run.code}: ${run.stderr}\n${world.screens()}`)
    // rekindle recorded the repository root's trust (and nothing else), so Gemini never stopped at its trust screen in
    // the task worktree under it, and kept YOLO on: the model's shell call ran without an approval question (hello.txt,
    // below, is its commit).
    expect(JSON.parse(fs.readFileSync(trustFile, "utf8"))).toEqual({ [world.repo]: "TRUST_FOLDER" })
    const opening = geminiAgentTurns(server.turns()).filter((t) => t.toolResults === 0)
    expect(opening).toHaveLength(1)
    expect(opening[0]?.userTexts.join("\n")).toContain(PROMPT)
    // The prompt was sent once in all: no later request carries it as a new user turn.
    expect(
      geminiAgentTurns(server.turns()).every((t) => t.userTexts.filter((u) => u.includes(PROMPT)).length === 1)
    ).toBe(true)
    expect(world.git("show", "main:hello.txt")).toBe("hello\n")
    expect(world.git("log", "--format=%s", "main")).toContain("gemini: hello")
    // Gemini's launcher ignores SIGHUP: closing the merged task's session alone left it running in the removed worktree.
    await noneLeftUnder(nodePath.join(world.repo, ".rekindle", "worktrees"))
    // The conversation id rekindle assigned names Gemini's session file for this worktree.
    const state = JSON.parse(fs.readFileSync(nodePath.join(world.repo, ".rekindle/gemini-a/state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ conversationId?: string }>
    }
    const id = state.tasks[0]?.conversationId ?? "none"
    const sessions = fs.globSync("tmp/*/chats/session-*.jsonl", { cwd: nodePath.join(world.home, ".gemini") })
    expect(sessions.some((s) => s.endsWith(`-${id.slice(0, 8)}.jsonl`))).toBe(true)
  }, 300_000)

  it("(a) the user's own DO_NOT_TRUST for the repository is left byte for byte: Gemini runs it untrusted, its shell call asks for approval, and the task waits there", async () => {
    const own = await startGeminiServer({ script: oneShellCommand(WORK, "Done.") })
    const distrust = makeAgentWorld("gemini")
    try {
      configureGemini(distrust)
      const trustFile = nodePath.join(distrust.home, ".gemini", "trustedFolders.json")
      const text = `${JSON.stringify({ [distrust.repo]: "DO_NOT_TRUST" }, null, 2)}\n`
      fs.writeFileSync(trustFile, text, { mode: 0o600 })
      const manifest = distrust.manifest({
        tasks: [{ id: "g1", agent: "gemini", prompt: PROMPT, ...geminiTask(own.baseUrl) }],
        options: { batchId: "gemini-distrust", tmuxSocket: distrust.socket, stallTimeoutSeconds: 120 }
      })
      const run = distrust.start(["run", manifest, "--json"], 200_000)
      const stateFile = nodePath.join(distrust.repo, ".rekindle/gemini-distrust/state.json")
      type Waiting = { screen: string; lines: ReadonlyArray<string> }
      type Recorded = { waiting?: Waiting; history?: ReadonlyArray<{ event: string; reason: string }> }
      const task = (): Recorded | undefined => {
        try {
          return (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { tasks: ReadonlyArray<Recorded> }).tasks[0]
        } catch {
          return undefined // not written yet, or caught mid-rename
        }
      }
      const waiting = await waitFor(
        () => task()?.waiting,
        150_000,
        () => distrust.screens()
      )
      expect(waiting.screen).toBe("gemini-approval")
      expect(waiting.lines.join("\n")).toMatch(/Allow execution of/)
      expect(fs.readFileSync(trustFile, "utf8"), "the user's answer, byte for byte").toBe(text)
      expect(
        task()
          ?.history?.filter((h) => h.event === "trust")
          .map((h) => h.reason)
      ).toEqual([
        expect.stringMatching(/^left \[".*"\] = "DO_NOT_TRUST" in .*trustedFolders\.json: the user's own answer/)
      ])
      const turns = geminiAgentTurns(own.turns())
      expect(turns.length, "the prompt reached the model").toBeGreaterThan(0)
      expect(
        turns.every((t) => t.toolResults === 0),
        "the shell call never ran"
      ).toBe(true)
      process.kill(run.pid, "SIGKILL")
      await run.done
    } finally {
      distrust.cleanup()
      await own.close()
    }
  }, 240_000)
})
