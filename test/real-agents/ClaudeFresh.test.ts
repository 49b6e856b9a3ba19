/**
 * Scenario (a): a fresh launch in a new task worktree, no hand on the keyboard.
 * The real Claude Code CLI (pinned in test/agents) driven by rekindle end to end against a local Anthropic server: real
 * tmux on a private socket, a real git repository, a temp HOME; assertions on the world (requests the model server
 * received, files, refs, panes, processes). Scenario letters follow docs/agents.md.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { userTurnsContaining } from "../support/model-servers/anthropic.ts"
import {
  claudeScript,
  claudeTask,
  commandsIn,
  expectMerged,
  requestsOf,
  withClaude
} from "../support/real-agents/claude.ts"
import { skipRealAgents, withAgentWorld } from "../support/real-agents/world.ts"

const T = 300_000

describe.skipIf(skipRealAgents("claude-fresh"))("real Claude Code 2.1.328 driven by rekindle: fresh launch", () => {
  test(
    "(a) fresh launch: trust recorded for the repository root only, the model sees the prompt once, the agent's tool call writes the marker, merged",
    () =>
      withAgentWorld("claude-a", async (w) => {
        const server = await withClaude(w, claudeScript())
        const before = JSON.parse(fs.readFileSync(path.join(w.home, ".claude.json"), "utf8")) as Record<string, unknown>
        const manifest = w.manifest("a.json", [claudeTask("c1")])
        const run = await w.cli(["run", manifest], 180_000)
        expect(run.code, `run exits 0\n${run.stderr}`).toBe(0)
        const batchId = fs.readdirSync(path.join(w.repo, ".rekindle")).find((n) => n !== "worktrees")!
        expectMerged(w, batchId, ["c1"])

        const main = requestsOf(server.main(), "c1")
        expect(main.length, "the commit, the marker, the final answer").toBeGreaterThanOrEqual(3)
        for (const r of main) expect(userTurnsContaining(r, "TASK=c1"), "the prompt, once per request").toBe(1)
        expect(
          main.filter((r) => commandsIn(r).length === 0),
          "one fresh conversation"
        ).toHaveLength(1)
        expect(
          server.requests.every((r) => r.path.startsWith("/v1/messages")),
          "no other endpoint"
        ).toBe(true)

        // ~/.claude.json: every key kept, one key added — the trust of the repository root (Claude adds its own)
        const after = JSON.parse(fs.readFileSync(path.join(w.home, ".claude.json"), "utf8")) as {
          projects?: Record<string, { hasTrustDialogAccepted?: boolean }>
        } & Record<string, unknown>
        for (const [k, v] of Object.entries(before)) expect(after[k], `kept ${k}`).toEqual(v)
        expect(after.projects?.[w.repo]?.hasTrustDialogAccepted, "the repository root is trusted").toBe(true)
        const trustedElsewhere = Object.entries(after.projects ?? {}).filter(
          ([p, v]) => p !== w.repo && v.hasTrustDialogAccepted === true
        )
        expect(trustedElsewhere, "no other folder trusted").toEqual([])
      }),
    T
  )
})
