/**
 * Bad agent settings are refused by `rekindle run` before anything exists: no state, no worktree, no
 * branch, no tmux session (real CLI, real git, private tmux socket; the world is listed before and after).
 */
import { afterAll, describe, expect, it } from "vitest"
import { HostileRepo } from "../security/cli.ts"

const customKind = {
  name: "myagent",
  executable: "myagent",
  fresh: [{ when: "prompt", argv: ["--", "{prompt}"] }],
  resume: ["--continue", "{conversationId}"],
  conversation: "discovered",
  transcript: { type: "none" }
}

describe("rekindle run refuses bad agent settings before creating anything", () => {
  const repo = new HostileRepo()
  afterAll(() => repo.cleanup())

  const refused = async (manifest: unknown, code: string, problem: RegExp) => {
    const r = await repo.run(manifest)
    expect({ exit: r.exitCode, code: r.errorCode, stderr: r.stderr }).toEqual({ exit: 1, code, stderr: "" })
    expect(r.problems.join("\n")).toMatch(problem)
    expect({ changed: r.changed, sessions: r.sessions }).toEqual({ changed: [], sessions: [] })
  }

  it("an agent whose executable is not on PATH: E_AGENT", async () => {
    const task = { id: "a", agent: "codex", prompt: "p", env: { PATH: "/nonexistent-rekindle-bin" } }
    await refused({ tasks: [task], options: { tmuxSocket: repo.socket } }, "E_AGENT", /"codex" is not found on PATH/)
  }, 60_000)

  it("a user-defined kind whose executable is missing: E_AGENT", async () => {
    const manifest = {
      tasks: [{ id: "a", agent: "myagent", prompt: "p" }],
      options: { tmuxSocket: repo.socket, agents: [customKind] }
    }
    await refused(manifest, "E_AGENT", /"myagent" is not found on PATH/)
  }, 60_000)

  it("an unknown kind: E_INVALID_MANIFEST naming tasks[0].agent", async () => {
    await refused(
      { tasks: [{ id: "a", agent: "gpt", prompt: "p" }], options: { tmuxSocket: repo.socket } },
      "E_INVALID_MANIFEST",
      /tasks\[0\]\.agent: unknown agent kind "gpt"/
    )
  }, 60_000)

  it("a kind without resume that needs one: E_INVALID_MANIFEST naming options.agents[0].resume", async () => {
    const { resume: _, ...noResume } = customKind
    await refused(
      { tasks: [{ id: "a", agent: "myagent", prompt: "p" }], options: { tmuxSocket: repo.socket, agents: [noResume] } },
      "E_INVALID_MANIFEST",
      /options\.agents\[0\]\.resume: conversation "discovered" needs a resume template/
    )
  }, 60_000)

  it("a malformed options.agents row: E_INVALID_MANIFEST naming the field", async () => {
    const bad = { ...customKind, transcript: { type: "file" } }
    await refused(
      { tasks: [{ id: "a", agent: "myagent", prompt: "p" }], options: { tmuxSocket: repo.socket, agents: [bad] } },
      "E_INVALID_MANIFEST",
      /\["options"\]\["agents"\]\[0\]\["transcript"\]/
    )
  }, 60_000)
})
