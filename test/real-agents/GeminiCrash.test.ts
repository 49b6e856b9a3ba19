/**
 * Scenarios (c) and (d) for the real Gemini CLI 0.61.0 (pinned in test/agents) against the local Gemini API server, in
 * a temp HOME, in one batch (one agent start fewer): the tmux server and the supervisor are killed while both agents'
 * turns are open, then one task's session file is deleted. `rekindle resume` relaunches the first with
 * `gemini --resume <id>` — its first request carries the earlier turns (the commit) plus exactly one continuation turn —
 * and the second fresh, with the hand-off note, as `plan` said. Gemini's launcher ignores SIGHUP and SIGTERM, so the
 * first agents outlive their tmux server: they must be stopped (never two agents on one conversation), and nothing may
 * run on in the removed worktrees.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, test } from "vitest"
import { type GeminiReply, type GeminiTurn, startGeminiServer } from "../support/model-servers/gemini.ts"
import { alive, skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"
import { configureGemini, geminiTask, noneLeftUnder, processesUnder } from "./gemini-world.ts"
import { onlyFile } from "./openai-scenarios.ts"
import {
  CONTINUATION_PROMPT,
  commit,
  continuationTurns,
  HANDOFF_NOTE,
  MARK,
  taskOf,
  taskPrompt,
  userTurnsWith
} from "./scripted-agent.ts"

const RESUMED = "gc"
const LOST = "gd"

/** Each agent commits, then its next turn stays open until rekindle relaunches it (continuation or hand-off). */
const script =
  (held: Set<string>) =>
  (turn: GeminiTurn): GeminiReply => {
    if (!turn.tools.includes("run_shell_command")) return { text: "Scripted." }
    const id = taskOf(turn) ?? "unknown"
    if (turn.commands.length === 0) return { shell: commit(id) }
    if (continuationTurns(turn) === 0 && userTurnsWith(turn, HANDOFF_NOTE) === 0) {
      held.add(id)
      return { hang: true }
    }
    return turn.commands.some((c) => c.includes("REKINDLE_DONE_FILE"))
      ? { text: `Task ${id} is done.` }
      : { shell: MARK }
  }

describe.skipIf(skipRealAgents("gemini-crash"))("real Gemini CLI 0.61.0 driven by rekindle: crashes", () => {
  test(
    "(c) and (d) tmux server killed mid-turn: `gemini --resume <id>` carries the earlier turns plus exactly one continuation turn; a task whose session file was deleted is relaunched fresh with the hand-off note; the first agents stopped",
    () =>
      withAgentWorld("gemini-crash", async (w) => {
        const held = new Set<string>()
        const server = await startGeminiServer({ script: script(held) })
        try {
          configureGemini(w)
          const tasks = [RESUMED, LOST].map((id) => ({
            id,
            agent: "gemini",
            prompt: taskPrompt(id),
            ...geminiTask(server.baseUrl)
          }))
          const run = await w.runDetached(w.manifest("cd.json", tasks, { stallTimeoutSeconds: 300, maxLanes: 2 }))
          const { batchId } = run
          await waitFor("both tasks mid-turn", () => (held.size === 2 ? true : undefined), 240_000)
          const conversation = (id: string) => String(w.stateTask(batchId, id)["conversationId"])
          const worktrees = nodePath.join(w.repo, ".rekindle", "worktrees")
          const first = processesUnder(worktrees)
          expect(first.length, "the agents run in their task worktrees").toBeGreaterThan(0)
          const before = server.turns().length

          w.killServer()
          await w.killSupervisor(batchId, run.pid).catch(() => 0)
          expect(
            first.some((pid) => alive(pid)),
            "Gemini's launcher outlived its tmux server"
          ).toBe(true)
          const lostId = conversation(LOST)
          fs.rmSync(onlyFile(w.home, `.gemini/tmp/*/chats/session-*-${lostId.slice(0, 8)}.jsonl`))
          // Their agents live on outside tmux: `plan` holds both rather than start a second agent next to one.
          const planned = (await w.cli(["plan", batchId], 60_000)).stdout
          for (const id of [RESUMED, LOST])
            expect(planned).toMatch(new RegExp(`${id}\\s+hold\\s.*still alive outside tmux`))
          const r = await w.cli(["resume", batchId], 300_000)
          expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)

          const files = w.filesOn("main")
          for (const id of [RESUMED, LOST]) {
            expect(files, `${id}.txt merged`).toContain(`${id}.txt`)
            expect(w.stateTask(batchId, id)["status"]).toBe("succeeded")
          }
          const launches = (id: string) =>
            (w.stateTask(batchId, id)["history"] as Array<{ event: string }>)
              .map((h) => h.event)
              .filter((e) => e.startsWith("launch:"))
          const after = (id: string) =>
            server
              .turns()
              .slice(before)
              .filter((t) => t.tools.includes("run_shell_command") && taskOf(t) === id)

          // (c) the same conversation, continued once.
          const resumed = after(RESUMED)[0]
          expect(resumed, "the relaunched agent asked the model").toBeDefined()
          expect(
            resumed!.commands.some((c) => c.includes(`git add ${RESUMED}.txt`)),
            "the earlier turns are carried"
          ).toBe(true)
          expect(userTurnsWith(resumed!, `TASK=${RESUMED}`), "the original prompt, once").toBe(1)
          expect(continuationTurns(resumed!), "exactly one continuation turn").toBe(1)
          for (const t of after(RESUMED)) expect(continuationTurns(t), "never a second continuation").toBe(1)
          expect(launches(RESUMED), "one exact-conversation relaunch").toEqual(["launch:first", "launch:resume"])
          const ledger = (w.state(batchId)["prompts"] as Array<{ taskId: string; text: string }>) ?? []
          expect(ledger.filter((p) => p.taskId === RESUMED).map((p) => p.text)).toEqual([CONTINUATION_PROMPT])

          // (d) a new conversation: the original prompt plus the hand-off note, once; no continuation turn.
          const starts = after(LOST).filter((t) => t.commands.length === 0)
          expect(starts, "one new conversation").toHaveLength(1)
          expect(userTurnsWith(starts[0]!, `TASK=${LOST}`), "the original prompt, once").toBe(1)
          expect(userTurnsWith(starts[0]!, `${HANDOFF_NOTE} 2`), "the hand-off note, once").toBe(1)
          for (const t of after(LOST)) expect(continuationTurns(t), "no continuation turn").toBe(0)
          expect(launches(LOST), "one fresh relaunch").toEqual(["launch:first", "launch:fresh"])

          expect(
            first.filter((pid) => alive(pid)),
            "the first agents' processes are gone (they outlived their tmux server)"
          ).toEqual([])
          await noneLeftUnder(worktrees) // nothing runs on in the removed worktrees
        } finally {
          await server.close()
        }
      }),
    480_000
  )
})
