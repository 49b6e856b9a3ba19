/**
 * Following a conversation an agent names itself (Codex, OpenCode, pi) over the FakeWorld: the id is read from the
 * agent's own files, and a newer conversation the agent started in the task's worktree since its launch (a `/new`)
 * replaces the one learned first, so a resume continues where the agent is now. The real CLIs' side of the same rule:
 * test/real-agents/CodexCrash.test.ts and PiCrash.test.ts, scenario (e).
 */
import { describe, expect, it } from "vitest"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { FAKE_HOME } from "../../adapters/agent/AgentLauncherFake.ts"
import { BATCH, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }

/** A Codex rollout file as Codex 0.169 writes it: `session_meta` first, naming the id, cwd and start time. */
const writeRollout = (world: FakeWorld, id: string, cwd: string, startedAt: number) => {
  const at = new Date(startedAt).toISOString()
  const day = at.slice(0, 10).replaceAll("-", "/")
  world.writeFile(
    `${FAKE_HOME}/.codex/sessions/${day}/rollout-${at.slice(0, 19).replaceAll(":", "-")}-${id}.jsonl`,
    `${JSON.stringify({ type: "session_meta", payload: { id, cwd, timestamp: at } })}\n`
  )
}

describe("conversations an agent names itself", () => {
  it("regression: a new conversation started during the run (/new) replaces the one learned first; resume continues it", async () => {
    const world = new FakeWorld()
    const started = await startBatch(world, [{ id: "a", agent: "codex" }])
    const worktree = started.tasks[0]!.worktree!
    writeRollout(world, "first-conversation", worktree, world.clock.now())
    // Another worktree's conversation, started later, is never this task's.
    writeRollout(world, "other-worktree", `${REPO}/elsewhere`, world.clock.now() + 5_000)
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    expect((await readState(world)).tasks[0]!.conversationId).toBe("first-conversation")

    world.advanceClock(60_000)
    writeRollout(world, "after-new", worktree, world.clock.now())
    world.restartSupervisor()
    await world.run(resume(ref, { supervise: false }))
    expect((await readState(world)).tasks[0]!.conversationId, "the latest conversation is followed").toBe("after-new")
  })
})
