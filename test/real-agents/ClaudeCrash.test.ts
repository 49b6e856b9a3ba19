/**
 * Scenarios (b) and (c): the supervisor SIGKILLed mid-turn; the tmux server killed mid-task.
 * The real Claude Code CLI (pinned in test/agents) driven by rekindle end to end against a local Anthropic server: real
 * tmux on a private socket, a real git repository, a temp HOME; assertions on the world (requests the model server
 * received, files, refs, panes, processes). Scenario letters follow docs/agents.md.
 */
import { describe, expect, test } from "vitest"
import { gate, type Turn, userTurnsContaining } from "../support/model-servers/anthropic.ts"
import {
  CONTINUATION_PROMPT,
  claudeScript,
  claudeTask,
  commandsIn,
  continuationTurns,
  expectMerged,
  holdUntil,
  requestsOf,
  withClaude
} from "../support/real-agents/claude.ts"
import { alive, skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"

const T = 300_000

describe.skipIf(skipRealAgents("claude-crash"))("real Claude Code 2.1.328 driven by rekindle: crashes mid-turn", () => {
  test(
    "(b) supervisor SIGKILLed mid-turn: resume reconnects — the same agent finishes, no relaunch, no second prompt",
    () =>
      withAgentWorld("claude-b", async (w) => {
        const held = new Map<string, (t: Turn) => void>()
        const server = await withClaude(
          w,
          claudeScript((id) => {
            const g = gate()
            held.set(id, g.release)
            return (g.turn as { hold: Promise<Turn> }).hold
          })
        )
        const { batchId, pid } = await w.runDetached(w.manifest("b.json", [claudeTask("c1")]))
        await waitFor("c1 mid-turn", () => (held.has("c1") ? true : undefined), 120_000)
        const agentPid = w.taskPane(batchId, "c1")?.pid
        expect(agentPid, "the agent runs in its pane").toBeDefined()
        await w.killSupervisor(batchId, pid)

        const resumed = w.cli(["resume"], 180_000)
        await waitFor(
          "a new supervisor holds the lease",
          () => {
            const p = w.leasePid(batchId)
            return p !== undefined && p !== pid && alive(p) ? true : undefined
          },
          60_000
        )
        held.get("c1")!({ text: "released" })
        const r = await resumed
        expect(r.code, `resume exits 0\n${r.stderr}`).toBe(0)
        expectMerged(w, batchId, ["c1"])

        const main = requestsOf(server.main(), "c1")
        expect(
          main.filter((x) => commandsIn(x).length === 0),
          "one conversation start"
        ).toHaveLength(1)
        expect(main.map(continuationTurns), "no continuation turn: nothing was relaunched").not.toContain(1)
        for (const x of main) expect(userTurnsContaining(x, "TASK=c1")).toBe(1)
        const history = (w.stateTask(batchId, "c1")["history"] as Array<{ event: string }>).map((h) => h.event)
        expect(
          history.filter((e) => e.startsWith("launch:")),
          "launched once"
        ).toEqual(["launch:first"])
        expect(agentPid !== undefined && !alive(agentPid), "the agent was stopped after it finished").toBe(true)
      }),
    T
  )
  test(
    "(c) tmux server killed mid-task: relaunched with its conversation — the first request after carries the earlier turns plus exactly one continuation turn",
    () =>
      withAgentWorld("claude-c", async (w) => {
        const held = new Set<string>()
        const server = await withClaude(
          w,
          holdUntil(held, (r) => continuationTurns(r) > 0)
        )
        const { batchId, pid } = await w.runDetached(w.manifest("c.json", [claudeTask("c1")]))
        await waitFor("c1 mid-turn", () => (held.has("c1") ? true : undefined), 120_000)
        const before = server.main().length
        await w.killServerUnder(batchId, "c1", pid)

        const r = await w.cli(["resume"], 180_000)
        expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
        expectMerged(w, batchId, ["c1"])

        const after = requestsOf(server.main().slice(before), "c1")
        const first = after[0]!
        expect(
          commandsIn(first).some((c) => c.includes("git add c1.txt")),
          "the earlier turns are carried"
        ).toBe(true)
        expect(userTurnsContaining(first, "TASK=c1"), "the original prompt, once").toBe(1)
        expect(continuationTurns(first), "exactly one continuation turn").toBe(1)
        for (const x of after) expect(continuationTurns(x), "never a second continuation").toBe(1)
        const state = w.state(batchId)
        const ledger = (state["prompts"] as Array<{ key: string; taskId: string; text: string }>).filter(
          (p) => p.taskId === "c1"
        )
        expect(
          ledger.map((p) => p.text),
          "the ledger records the one continuation"
        ).toEqual([CONTINUATION_PROMPT])
      }),
    T
  )
})
