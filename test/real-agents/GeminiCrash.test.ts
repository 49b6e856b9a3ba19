/**
 * Scenario (c) for the real Gemini CLI 0.61.0 (pinned in test/agents) against the local Gemini API server, in a temp
 * HOME: the tmux server (and the supervisor) are killed while the agent's turn is open; `rekindle resume` relaunches
 * `gemini --resume <id>`, and the first request after carries the earlier turns (the commit) plus exactly one
 * continuation turn. Gemini's launcher ignores SIGHUP and SIGTERM, so the first agent outlives its tmux server: the
 * relaunch must stop it first (never two agents on one conversation).
 */
import { describe, expect, test } from "vitest"
import { type GeminiReply, type GeminiTurn, startGeminiServer } from "../support/model-servers/gemini.ts"
import { alive, skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"
import { configureGemini, geminiTask, processesUnder } from "./gemini-world.ts"
import { CONTINUATION_PROMPT, commit, continuationTurns, MARK, taskPrompt, userTurnsWith } from "./scripted-agent.ts"

const ID = "gc"

/** The agent commits, then its next turn stays open until rekindle's continuation turn arrives; then the marker. */
const script =
  (held: { value: boolean }) =>
  (turn: GeminiTurn): GeminiReply => {
    if (!turn.tools.includes("run_shell_command")) return { text: "Scripted." }
    if (continuationTurns(turn) === 0) {
      if (turn.commands.length === 0) return { shell: commit(ID) }
      held.value = true
      return { hang: true }
    }
    return turn.commands.some((c) => c.includes("REKINDLE_DONE_FILE"))
      ? { text: `Task ${ID} is done.` }
      : { shell: MARK }
  }

describe.skipIf(skipRealAgents("gemini-crash"))("real Gemini CLI 0.61.0 driven by rekindle: crashes", () => {
  test(
    "(c) tmux server killed mid-turn: resume relaunches `gemini --resume <id>`; the earlier turns plus exactly one continuation turn; the first agent stopped",
    () =>
      withAgentWorld("gemini-crash", async (w) => {
        const held = { value: false }
        const server = await startGeminiServer({ script: script(held) })
        try {
          configureGemini(w)
          const task = { id: ID, agent: "gemini", prompt: taskPrompt(ID), ...geminiTask(server.baseUrl) }
          const run = await w.runDetached(w.manifest("c.json", [task], { stallTimeoutSeconds: 300 }))
          await waitFor(`${ID} mid-turn`, () => (held.value ? true : undefined), 180_000)
          const launched = w.stateTask(run.batchId, ID)
          const conversation = launched["conversationId"]
          const worktree = String(launched["worktree"])
          const first = processesUnder(worktree)
          expect(first.length, "the agent runs in the task worktree").toBeGreaterThan(0)
          const before = server.turns().length

          w.killServer()
          await w.killSupervisor(run.batchId, run.pid).catch(() => 0)
          expect(
            first.some((pid) => alive(pid)),
            "Gemini's launcher outlived its tmux server"
          ).toBe(true)
          const r = await w.cli(["resume", run.batchId], 300_000)
          expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)

          expect(w.filesOn("main"), "the task's commit merged").toContain(`${ID}.txt`)
          expect(w.stateTask(run.batchId, ID)["status"]).toBe("succeeded")
          const history = (w.stateTask(run.batchId, ID)["history"] as Array<{ event: string }>).map((h) => h.event)
          expect(
            history.filter((e) => e.startsWith("launch:")),
            "one exact-conversation relaunch"
          ).toEqual(["launch:first", "launch:resume"])
          expect(w.stateTask(run.batchId, ID)["conversationId"], "the same conversation").toBe(conversation)
          const after = server
            .turns()
            .slice(before)
            .filter((t) => t.tools.includes("run_shell_command"))
          const resumed = after[0]
          expect(resumed, "the relaunched agent asked the model").toBeDefined()
          expect(
            resumed!.commands.some((c) => c.includes(`git add ${ID}.txt`)),
            "the earlier turns are carried"
          ).toBe(true)
          expect(userTurnsWith(resumed!, `TASK=${ID}`), "the original prompt, once").toBe(1)
          expect(continuationTurns(resumed!), "exactly one continuation turn").toBe(1)
          for (const t of after) expect(continuationTurns(t), "never a second continuation").toBe(1)
          const ledger = (w.state(run.batchId)["prompts"] as Array<{ taskId: string; text: string }>) ?? []
          expect(ledger.filter((p) => p.taskId === ID).map((p) => p.text)).toEqual([CONTINUATION_PROMPT])
          expect(
            first.filter((pid) => alive(pid)),
            "the first agent's processes are gone (it outlived its tmux server)"
          ).toEqual([])
          expect(processesUnder(worktree), "nothing runs on in the removed worktree").toEqual([])
        } finally {
          await server.close()
        }
      }),
    420_000
  )
})
