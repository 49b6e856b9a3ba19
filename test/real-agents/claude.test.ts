/**
 * The real Claude Code CLI (pinned in test/agents) driven by rekindle end to end against a local Anthropic server:
 * real tmux on a private socket, a real git repository, a temp HOME. Every assertion is on the world: what the model
 * server received, files and refs, panes and processes. Scenario letters follow issue 15 and docs/agents.md.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { gate, type RecordedRequest, type Turn, userTurnsContaining } from "../support/model-servers/anthropic.ts"
import {
  CONTINUATION_PROMPT,
  claudeScript,
  commandsIn,
  continuationTurns,
  taskOf,
  taskPrompt,
  withClaude
} from "../support/real-agents/claude.ts"
import { type AgentWorld, alive, skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"

const SKIP = skipRealAgents("claude")
const T = 240_000

const claudeTask = (id: string) => ({ id, agent: "claude", prompt: taskPrompt(id) })

/** Main-conversation requests of task `id`. */
const of = (requests: ReadonlyArray<RecordedRequest>, id: string) => requests.filter((r) => taskOf(r) === id)

/** The merged world of a finished batch: every task's file on main, every task succeeded. */
const expectMerged = async (w: AgentWorld, batchId: string, ids: ReadonlyArray<string>) => {
  const files = w.filesOn("main")
  for (const id of ids) {
    expect(files, `${id}.txt merged into main`).toContain(`${id}.txt`)
    expect((await w.task(batchId, id))?.["status"], `${id} succeeded`).toBe("succeeded")
  }
}

/** Wait until every task's agent is mid-turn: its request for the done marker is held open at the server. */
const waitHeld = (held: Map<string, unknown>, ids: ReadonlyArray<string>) =>
  waitFor(
    `${ids.join(",")} held before the marker`,
    () => (ids.every((id) => held.has(id)) ? true : undefined),
    120_000
  )

describe.skipIf(SKIP)("real Claude Code (2.1.328) driven by rekindle", () => {
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
        await expectMerged(w, batchId, ["c1"])

        const main = of(server.main(), "c1")
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
        await waitHeld(held, ["c1"])
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
        await expectMerged(w, batchId, ["c1"])

        const main = of(server.main(), "c1")
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
        // Before the relaunch the marker request is held for good (the connection dies with the agent).
        const server = await withClaude(
          w,
          claudeScript((id, r) => {
            if (continuationTurns(r) > 0) return undefined
            held.add(id)
            return new Promise<Turn>(() => {})
          })
        )
        const { batchId, pid } = await w.runDetached(w.manifest("c.json", [claudeTask("c1")]))
        await waitFor("c1 mid-turn", () => (held.has("c1") ? true : undefined), 120_000)
        const agentPid = w.taskPane(batchId, "c1")?.pid
        const before = server.main().length
        w.killServer()
        await w.killSupervisor(batchId, pid).catch(() => 0)
        await waitFor(
          "the agent died with its server",
          () => (agentPid !== undefined && alive(agentPid) ? undefined : true),
          15_000
        )

        const r = await w.cli(["resume"], 180_000)
        expect(r.code, `resume exits 0\n${r.stdout}\n${r.stderr}`).toBe(0)
        await expectMerged(w, batchId, ["c1"])

        const after = of(server.main().slice(before), "c1")
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
  test(
    "(d) transcript deleted or corrupted: an honest fresh relaunch — the plan says why, the original prompt plus a hand-off note, once",
    () =>
      withAgentWorld("claude-d", async (w) => {
        const held = new Set<string>()
        const server = await withClaude(
          w,
          claudeScript((id, r) => {
            if (userTurnsContaining(r, "[rekindle] This is attempt") > 0) return undefined
            held.add(id)
            return new Promise<Turn>(() => {})
          })
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
        await expectMerged(w, batchId, ids)
        for (const id of ids) {
          const after = of(server.main().slice(before), id)
          const starts = after.filter((x) => commandsIn(x).length === 0)
          expect(starts, `${id}: one new conversation`).toHaveLength(1)
          expect(userTurnsContaining(starts[0]!, "TASK=" + id), "the original prompt, once").toBe(1)
          expect(userTurnsContaining(starts[0]!, "[rekindle] This is attempt 2"), "the hand-off note, once").toBe(1)
          for (const x of after) expect(continuationTurns(x), "no continuation turn in a fresh conversation").toBe(0)
        }
      }),
    T
  )

  test(
    "(f) reboot with 8 agents mid-task (tmux server, every agent and the supervisor killed): resume relaunches all 8 with their conversations, no storm refusal",
    () =>
      withAgentWorld("claude-f", async (w) => {
        const ids = Array.from({ length: 8 }, (_, i) => `f${i + 1}`)
        const held = new Set<string>()
        const server = await withClaude(
          w,
          claudeScript((id, r) => {
            if (continuationTurns(r) > 0) return undefined
            held.add(id)
            return new Promise<Turn>(() => {})
          })
        )
        const { batchId, pid } = await w.runDetached(w.manifest("f.json", ids.map(claudeTask), { maxLanes: 8 }))
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
        await expectMerged(w, batchId, ids)
        for (const id of ids) {
          const first = of(server.main().slice(before), id)[0]
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
})
