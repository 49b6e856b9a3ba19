import { describe, expect, it } from "vitest"
import { reconcile } from "../../core/domain/index.ts"
import { pane, pendingTask, present, signals, state, task } from "../support/builders.ts"

const only = (s: Parameters<typeof reconcile>[0], sig: Parameters<typeof reconcile>[1]) => {
  const [d, ...rest] = reconcile(s, sig)
  expect(rest).toEqual([])
  return d!
}

describe("reconcile precedence table (DESIGN §4)", () => {
  it("row 1: done marker with a live session → mark-complete", () => {
    const t = task("a")
    const d = only(state([t]), signals([pane("a")], { markers: { a: { valid: true } } }))
    expect(d).toMatchObject({ action: "mark-complete", row: 1, outcome: "succeeded" })
    expect(d.reason).toContain("still alive")
  })

  it("row 1: a marker reporting failure completes the task as failed", () => {
    const d = only(state([task("a")]), signals([], { markers: { a: { valid: true, status: "failed" } } }))
    expect(d).toMatchObject({ action: "mark-complete", outcome: "failed" })
  })

  it("row 1: an invalid marker is not accepted", () => {
    const d = only(state([task("a")]), signals([pane("a")], { markers: { a: { valid: false } } }))
    expect(d).toMatchObject({ action: "reconnect", row: 3 })
    expect(d.evidence.marker).toBe("invalid")
  })

  it("row 2: tmux unknown → hold", () => {
    const t = task("a")
    const d = only(state([t]), signals([], { tmux: { state: "unknown", reason: "timeout" }, paths: present(t) }))
    expect(d).toMatchObject({ action: "hold", row: 2 })
  })

  it("row 3: session and agent alive → reconnect", () => {
    expect(only(state([task("a")]), signals([pane("a")]))).toMatchObject({ action: "reconnect", row: 3 })
  })

  it("row 3: a pending task whose session was launched just before a crash → reconnect, never a second launch", () => {
    expect(only(state([pendingTask("a")]), signals([pane("a")]))).toMatchObject({ action: "reconnect" })
  })

  it("row 4: dead pane killed from outside (a signal) + worktree → re-execute after stopping the stale session", () => {
    const t = task("a")
    const d = only(
      state([t]),
      signals([pane("a", { dead: true, deadSignal: 9 })], { paths: present(t), transcripts: { "conv-a": true } })
    )
    expect(d).toMatchObject({ action: "re-execute", row: 4, stopSession: true, resumeConversation: true })
  })

  it("regression: an agent failing while no supervisor runs is not run twice — a dead pane with an exit status is mark-failed with it", () => {
    const t = task("a")
    const d = only(
      state([t]),
      signals([pane("a", { dead: true, deadStatus: 3 })], { paths: present(t), transcripts: { "conv-a": true } })
    )
    expect(d).toMatchObject({
      action: "mark-failed",
      row: 4,
      exitStatus: 3,
      reason: "the agent exited with status 3 without a done marker"
    })
  })

  it("regression: a user's own session named like a task session is not the task's (untagged, batch rekindle runs)", () => {
    const t = task("a")
    const { taskTag: _, ...userPane } = pane("a")
    const d = only(state([t]), signals([userPane], { paths: present(t) }))
    expect(d.evidence.session).toBe("absent")
    expect(d.evidence.sessionName).toBeUndefined()
    expect(d.action).toBe("re-execute")
  })

  it("an imported batch's untagged session of exactly the declared name is the task's (its host started it)", () => {
    const t = task("a")
    const imported = { ...state([t]), importedFrom: { source: "host" } }
    const { taskTag: _, ...hostPane } = pane("a")
    const d = only(imported, signals([hostPane], { paths: present(t) }))
    expect(d).toMatchObject({ action: "reconnect", evidence: { session: "alive", sessionName: t.session } })
  })

  it("row 4: only a shell left in the pane → re-execute", () => {
    const t = task("a")
    const d = only(state([t]), signals([pane("a", { currentCommand: "bash" })], { paths: present(t) }))
    expect(d).toMatchObject({ action: "re-execute", row: 4, stopSession: true, resumeConversation: false })
    expect(d.evidence.session).toBe("bare-shell")
  })

  it("row 4: a bash pane of a `shell` agent is the agent itself, not a bare shell", () => {
    const d = only(state([task("a", { agent: "shell" })]), signals([pane("a", { currentCommand: "bash" })]))
    expect(d.action).toBe("reconnect")
  })

  it("row 4: a reused pane pid (start time differs from the recorded agent) → agent gone", () => {
    const p = pane("a")
    const t = task("a", { agentProcess: { pid: p.panePid, startTime: "older", host: "h" } })
    const d = only(state([t]), signals([p], { paths: present(t) }))
    expect(d).toMatchObject({ action: "re-execute", row: 4 })
  })

  it("row 5: terminal status → skip, even when its dead session lingers", () => {
    const t = task("a", { status: "succeeded" })
    const d = only(state([t]), signals([pane("a", { dead: true, deadStatus: 0 })], { paths: present(t) }))
    expect(d).toMatchObject({ action: "skip", row: 5 })
  })

  it("row 6: session gone but worktree exists → re-execute in place", () => {
    const t = task("a")
    const d = only(state([t]), signals([], { paths: present(t) }))
    expect(d).toMatchObject({ action: "re-execute", row: 6, stopSession: false })
  })

  it("row 7: pending with a stale session name and no worktree → pending", () => {
    const d = only(state([pendingTask("a")]), signals([]))
    expect(d).toMatchObject({ action: "pending", row: 7 })
  })

  it("row 7: never started, even with a worktree already created → pending", () => {
    const t = pendingTask("a")
    expect(only(state([t]), signals([], { paths: present(t) })).action).toBe("pending")
  })

  it("row 8: running with a dead session and no worktree → mark-failed", () => {
    const d = only(
      state([task("a")]),
      signals([pane("a", { dead: true })], { paths: { [task("a").worktree!]: "missing" } })
    )
    expect(d).toMatchObject({ action: "mark-failed", row: 8 })
  })

  it("row 8: running, no session, corrupt worktree → mark-failed with the reason", () => {
    const t = task("a")
    const d = only(state([t]), signals([], { paths: { [t.worktree!]: "corrupt" } }))
    expect(d).toMatchObject({ action: "mark-failed", row: 8 })
    expect(d.reason).toContain("corrupt")
  })

  it("an archived worktree is told apart from a missing one", () => {
    const d = only(state([task("a", { worktreeArchived: true })]), signals([]))
    expect(d.evidence.worktree).toBe("archived")
    expect(d.reason).toContain("archived")
  })

  it("an agent alive outside tmux (server killed, SIGHUP ignored) is held, never doubled", () => {
    const t = task("a", { agentProcess: { pid: 777, startTime: "s777", host: "h" } })
    const d = only(
      state([t]),
      signals([], {
        tmux: { state: "no-server" },
        paths: present(t),
        processes: { state: "known", processes: [{ pid: 777, ppid: 1, startTime: "s777", argv: ["claude"] }] }
      })
    )
    expect(d).toMatchObject({ action: "hold" })
  })

  it("liveness is per task: a live lane-mate never makes a dead task look alive", () => {
    const a = task("a", { lane: "L1" })
    const b = task("b", { lane: "L1" })
    const ds = reconcile(state([a, b]), signals([pane("a")], { paths: present(a, b) }))
    expect(ds.map((d) => [d.taskId, d.action])).toEqual([
      ["a", "reconnect"],
      ["b", "re-execute"]
    ])
  })

  it("a session with our name but another owner's tag is not ours", () => {
    const d = only(state([task("a")]), signals([pane("a", { taskTag: "other/x" })]))
    expect(d.evidence.session).toBe("absent")
  })

  it("regression: a dead pane whose recorded agent process still lives elsewhere is held, not re-executed", () => {
    // Shrunk by fast-check from the "never re-execute a live agent" law.
    const t = pendingTask("d", { agentProcess: { pid: 131, startTime: "s131", host: "h" } })
    const d = only(
      state([t]),
      signals(
        [pane("d", { sessionName: "rk-b1-d-x", panePid: 130, dead: true, deadStatus: 1, currentCommand: "agent" })],
        {
          paths: present(t),
          processes: { state: "known", processes: [{ pid: 131, ppid: 1, startTime: "s131", argv: ["agent"] }] }
        }
      )
    )
    expect(d.action).toBe("hold")
    expect(d.evidence.agent).toBe("alive")
  })
})
