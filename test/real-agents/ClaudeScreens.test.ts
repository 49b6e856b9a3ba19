/**
 * First-run screens with the real Claude Code 2.1.328: with `options.trustRepository: false` rekindle writes nothing,
 * Claude stops at its trust screen before any request, and `status` shows the task waiting there with the captured
 * screen (not merely `running`). The default (trust recorded) is scenario (a) in ClaudeFresh.test.ts.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { claudeScript, claudeTask, withClaude } from "../support/real-agents/claude.ts"
import { skipRealAgents, waitFor, withAgentWorld } from "../support/real-agents/world.ts"
import { isRecord, parseJson } from "../blackbox/cli.ts"

describe.skipIf(skipRealAgents("claude-screens"))("real Claude Code 2.1.328: first-run screens", () => {
  test(
    "trustRepository off: nothing written, the agent waits at its trust screen, status says so with the screen's lines",
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
        await w.cli(["abort", batchId, "--yes"], 60_000)
      }),
    180_000
  )
})
