/**
 * Scenario (f): a reboot (tmux server, every agent, the supervisor killed) with 8 agents mid-task.
 * The real Claude Code CLI (pinned in test/agents) driven by rekindle end to end against a local Anthropic server: real
 * tmux on a private socket, a real git repository, a temp HOME; assertions on the world (requests the model server
 * received, files, refs, panes, processes). Scenario letters follow docs/agents.md.
 */
import { describe, expect, test } from "vitest"
import {
  claudeTask,
  commandsIn,
  continuationTurns,
  expectMerged,
  holdUntil,
  requestsOf,
  withClaude
} from "../support/real-agents/claude.ts"
import { alive, skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"

describe.skipIf(skipRealAgents("claude-reboot"))(
  "real Claude Code 2.1.328 driven by rekindle: a reboot with 8 agents",
  () => {
    test(
      "(f) reboot with 8 agents mid-task (tmux server, every agent and the supervisor killed): resume relaunches all 8 with their conversations (4 at a time), no storm refusal",
      () =>
        withAgentWorld("claude-f", async (w) => {
          const ids = Array.from({ length: 8 }, (_, i) => `f${i + 1}`)
          const held = new Set<string>()
          const server = await withClaude(
            w,
            holdUntil(held, (r) => continuationTurns(r) > 0)
          )
          const { batchId, pid } = await w.runDetached(
            w.manifest("f.json", ids.map(claudeTask), { maxLanes: 8, relaunchConcurrency: 4 })
          )
          await waitFor("all 8 mid-turn", () => (ids.every((id) => held.has(id)) ? true : undefined), 180_000)
          const agents = ids.map((id) => w.taskPane(batchId, id)?.pid)
          const before = server.main().length
          await w.killSupervisor(batchId, pid)
          for (const p of agents) if (p !== undefined && alive(p)) process.kill(p, "SIGKILL")
          w.killServer()
          await waitFor(
            "every agent gone",
            () => (agents.some((p) => p !== undefined && alive(p)) ? undefined : true),
            15_000
          )

          const r = await w.cli(["resume"], 200_000)
          expect(`${r.stdout}\n${r.stderr}`, "no relaunch-storm refusal after a reboot").not.toMatch(/storm/i)
          expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
          expectMerged(w, batchId, ids)
          for (const id of ids) {
            const first = requestsOf(server.main().slice(before), id)[0]
            expect(first, `${id} reached the model after the reboot`).toBeDefined()
            expect(
              commandsIn(first!).some((c) => c.includes(`git add ${id}.txt`)),
              `${id}: its conversation`
            ).toBe(true)
            expect(continuationTurns(first!), `${id}: one continuation turn`).toBe(1)
          }
        }),
      300_000
    )
  }
)
