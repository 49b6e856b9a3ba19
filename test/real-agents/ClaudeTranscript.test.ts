/**
 * Scenario (d): the transcript deleted or corrupted while nothing ran.
 * The real Claude Code CLI (pinned in test/agents) driven by rekindle end to end against a local Anthropic server: real
 * tmux on a private socket, a real git repository, a temp HOME; assertions on the world (requests the model server
 * received, files, refs, panes, processes). Scenario letters follow docs/agents.md.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { userTurnsContaining } from "../support/model-servers/anthropic.ts"
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

const T = 300_000

describe.skipIf(skipRealAgents("claude-transcript"))(
  "real Claude Code 2.1.328 driven by rekindle: an unresumable conversation",
  () => {
    test(
      "(d) transcript deleted or corrupted: an honest fresh relaunch — the plan says why, the original prompt plus a hand-off note, once",
      () =>
        withAgentWorld("claude-d", async (w) => {
          const held = new Set<string>()
          const server = await withClaude(
            w,
            holdUntil(held, (r) => userTurnsContaining(r, "[rekindle] This is attempt") > 0)
          )
          const ids = ["d1", "d2"]
          const { batchId, pid } = await w.runDetached(w.manifest("d.json", ids.map(claudeTask), { maxLanes: 2 }))
          await waitFor("both mid-turn", () => (ids.every((id) => held.has(id)) ? true : undefined), 120_000)
          const agents = ids.map((id) => w.taskPane(batchId, id)?.pid)
          const before = server.main().length
          w.killServer()
          await w.killSupervisor(batchId, pid).catch(() => 0)
          await waitFor(
            "the agents died with their server",
            () => (agents.some((p) => p !== undefined && alive(p)) ? undefined : true),
            15_000
          )
          const transcript = (id: string) => {
            const t = w.stateTask(batchId, id)
            const slug = String(t["worktree"]).replace(/[^A-Za-z0-9]/g, "-")
            return path.join(w.home, ".claude", "projects", slug, `${String(t["conversationId"])}.jsonl`)
          }
          expect(
            fs.existsSync(transcript("d1")) && fs.existsSync(transcript("d2")),
            "Claude wrote both transcripts"
          ).toBe(true)
          fs.rmSync(transcript("d1"))
          fs.writeFileSync(transcript("d2"), "this is not a transcript\n")

          const plan = await w.cli(["plan", batchId], 60_000)
          for (const id of ids)
            expect(plan.stdout, `the plan relaunches ${id} fresh, saying why`).toMatch(
              new RegExp(`${id}[^\\n]*fresh[^\\n]*transcript`)
            )
          const r = await w.cli(["resume"], 180_000)
          expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
          expectMerged(w, batchId, ids)
          for (const id of ids) {
            const after = requestsOf(server.main().slice(before), id)
            const starts = after.filter((x) => commandsIn(x).length === 0)
            expect(starts, `${id}: one new conversation`).toHaveLength(1)
            expect(userTurnsContaining(starts[0]!, `TASK=${id}`), "the original prompt, once").toBe(1)
            expect(userTurnsContaining(starts[0]!, "[rekindle] This is attempt 2"), "the hand-off note, once").toBe(1)
            for (const x of after) expect(continuationTurns(x), "no continuation turn in a fresh conversation").toBe(0)
          }
        }),
      T
    )
  }
)
