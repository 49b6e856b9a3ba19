/**
 * First-run screens with the real Claude Code 2.1.328: with `options.trustRepository: false` rekindle writes nothing,
 * Claude stops at its trust screen before any request, and the task is `waiting` everywhere — `status`, the state, `plan`
 * — with the captured screen, and `rekindle events` says so once. Answered by hand (keys sent to the pane, as a user
 * attached with `rekindle attach` would), the task runs on and completes. The default (trust recorded) is scenario (a)
 * in ClaudeFresh.test.ts.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { claudeScript, claudeTask, expectMerged, withClaude } from "../support/real-agents/claude.ts"
import { skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"
import { isRecord, parseJson } from "../blackbox/cli.ts"

describe.skipIf(skipRealAgents("claude-screens"))("real Claude Code 2.1.328: first-run screens", () => {
  test(
    "trustRepository off: nothing written; the task waits at the trust screen in status, state and plan, one task-waiting event; answered by hand, it completes",
    () =>
      withAgentWorld("claude-screens", async (w) => {
        const server = await withClaude(w, claudeScript())
        const config = path.join(w.home, ".claude.json")
        const before = fs.readFileSync(config, "utf8")
        const { batchId } = await w.runDetached(w.manifest("s.json", [claudeTask("s1")], { trustRepository: false }))
        const waiting = await waitFor(
          "status shows s1 waiting at the trust screen",
          async () => {
            const r = await w.cli(["status", batchId, "--json"], 30_000)
            const doc = parseJson(r.stdout)
            const tasks = isRecord(doc) && Array.isArray(doc["tasks"]) ? doc["tasks"] : []
            const t: unknown = tasks.find((x: unknown) => isRecord(x) && x["id"] === "s1")
            return isRecord(t) && isRecord(t["waiting"]) ? t["waiting"] : undefined
          },
          90_000,
          1_000
        )
        expect(waiting["screen"]).toBe("claude-trust")
        expect((waiting["lines"] as Array<string>).join("\n")).toMatch(/Yes, I trust this folder/)
        expect(w.screen(batchId, "s1"), "the pane shows it").toMatch(/Accessing workspace/)
        const text = await w.cli(["status", batchId], 30_000)
        expect(text.stdout, "the table says waiting").toMatch(/s1.*waiting.*claude-trust/)
        expect(server.main(), "the prompt never reached the model").toEqual([])
        const projects = (JSON.parse(fs.readFileSync(config, "utf8")) as { projects?: Record<string, unknown> })
          .projects
        expect(projects?.[w.repo], "rekindle recorded no trust").not.toMatchObject({ hasTrustDialogAccepted: true })
        expect(before.length > 0).toBe(true)
        // The supervisor recorded the wait: the state, `plan` and one event carry the screen's lines.
        const recorded = await waitFor(
          "the state records s1 waiting",
          () => w.stateTask(batchId, "s1")["waiting"] as { screen: string; lines: Array<string> } | undefined,
          60_000,
          500
        )
        expect(recorded.screen).toBe("claude-trust")
        expect(recorded.lines.join("\n")).toMatch(/Yes, I trust this folder/)
        expect(w.stateTask(batchId, "s1")["status"], "persisted running: its live agent is reconnected").toBe("running")
        const plan = parseJson((await w.cli(["plan", batchId, "--json"], 60_000)).stdout)
        const planned = isRecord(plan) && Array.isArray(plan["waiting"]) ? plan["waiting"] : []
        expect(planned, "plan --json lists it waiting").toEqual([
          expect.objectContaining({ taskId: "s1", screen: "claude-trust", lines: recorded.lines })
        ])
        expect((await w.cli(["plan", batchId], 60_000)).stdout).toMatch(/s1 is waiting, stopped at claude-trust/)
        const waitingEvents = async () =>
          (await w.cli(["events", batchId], 30_000)).stdout
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => parseJson(l))
            .filter((e) => isRecord(e) && e["kind"] === "task-waiting")
        // A few more monitor passes see the same screen: still one event.
        await new Promise((r) => setTimeout(r, 4_000))
        const events = await waitingEvents()
        expect(events, "one task-waiting event per wait").toHaveLength(1)
        expect(events[0]).toMatchObject({ taskId: "s1", lines: recorded.lines })

        // Answer it as a user attached to the pane would: "Yes, I trust this folder" is the second choice.
        const pane = w.taskPane(batchId, "s1")!
        w.tmux(["send-keys", "-t", `=${pane.session}:`, "Down"])
        await new Promise((r) => setTimeout(r, 500))
        w.tmux(["send-keys", "-t", `=${pane.session}:`, "Enter"])
        await waitFor(
          "the batch completed",
          () => (w.state(batchId)["phase"] === "completed" ? true : undefined),
          150_000,
          1_000
        )
        expectMerged(w, batchId, ["s1"])
        expect(server.main().length, "the prompt reached the model once answered").toBeGreaterThan(0)
        const history = (w.stateTask(batchId, "s1")["history"] as Array<{ event: string }>).map((h) => h.event)
        expect(history.filter((e) => e.startsWith("waiting"))).toEqual(["waiting", "waiting-ended"])
        expect(await waitingEvents(), "no second event").toHaveLength(1)
      }),
    300_000
  )
})
