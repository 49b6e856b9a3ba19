/**
 * A task's own environment moves where its agent keeps its files (Claude Code: CLAUDE_CONFIG_DIR), so it moves where
 * rekindle records the agent's folder trust and where it looks for the agent's conversation. FakeWorld.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { claude } from "../../adapters/agent/AgentKinds.ts"
import { FAKE_HOME, transcriptPathFor } from "../../adapters/agent/AgentLauncherFake.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }
const CONFIG = "/elsewhere/claude-config"

const read = (world: FakeWorld, path: string) =>
  Effect.runSync(Effect.orElseSucceed(world.memory.fs.readFileString(path), () => undefined))

describe("a task's CLAUDE_CONFIG_DIR", () => {
  // Found by outside eyes: trust went to ~/.claude.json, which that agent never reads (it sat at its trust screen), and
  // its transcript was looked for under ~/.claude, so a resumable conversation was relaunched fresh.
  it("regression: trust is recorded in that directory's .claude.json and the transcript is found there", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "a", env: { CLAUDE_CONFIG_DIR: CONFIG } }])
    const trusted = JSON.parse(read(world, `${CONFIG}/.claude.json`) ?? "{}")
    expect(trusted.projects?.[REPO]?.hasTrustDialogAccepted).toBe(true)
    expect(read(world, `${FAKE_HOME}/.claude.json`)).toBeUndefined()

    const task = (await readState(world)).tasks[0]!
    const file = transcriptPathFor(claude, {
      cwd: task.worktree!,
      conversationId: task.conversationId!,
      env: { CLAUDE_CONFIG_DIR: CONFIG }
    })
    expect(file.startsWith(`${CONFIG}/projects/`)).toBe(true)
    world.writeFile(file, '{"type":"user"}\n')
    world.restartSupervisor()
    world.crashPane(paneOf(world, "a"))
    const report = await world.run(plan(ref))
    expect(report.plan.steps.find((s) => s._tag === "RelaunchAgent")).toMatchObject({ taskId: "a", mode: "resume" })
  })
})
