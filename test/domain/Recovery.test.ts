import { describe, expect, it } from "vitest"
import { computeResumePoint, planRecovery, reconcile, type BatchState, type Signals } from "../../core/domain/index.ts"
import { pane, present, signals, state, task } from "../support/builders.ts"

const plan = (s: BatchState, sig: Signals, now = 10_000) => {
  const ds = reconcile(s, sig)
  return planRecovery(s, ds, computeResumePoint(s, ds), { now })
}

describe("planRecovery", () => {
  it("re-execute: stop stale session, snapshot (dirty unknown), relaunch with conversation resume", () => {
    const t = task("a")
    const p = plan(
      state([t]),
      signals([pane("a", { dead: true })], { paths: present(t), transcripts: { "conv-a": true } })
    )
    expect(p.steps.map((s) => s._tag)).toEqual(["StopSession", "SnapshotWip", "RelaunchAgent", "ContinueFromWave"])
    expect(p.steps[2]).toMatchObject({ mode: "resume", attempt: 2, conversationId: "conv-a" })
  })

  it("re-execute of a known-clean worktree skips the snapshot and relaunches fresh without a transcript", () => {
    const t = task("a")
    const p = plan(
      state([t]),
      signals([], {
        paths: present(t),
        worktrees: [{ path: t.worktree!, bare: false, detached: false, locked: false, prunable: false, dirty: false }]
      })
    )
    expect(p.steps.map((s) => s._tag)).toEqual(["RelaunchAgent", "ContinueFromWave"])
    expect(p.steps[0]).toMatchObject({ mode: "fresh" })
  })

  it("crash-loop guard: past the relaunch cap the task is marked failed with its history", () => {
    const t = task("a", { attempts: 4, history: [{ at: 1, event: "exit", reason: "credentials expired" }] })
    const p = plan(
      state([t], {
        options: {
          maxLanes: 2,
          failurePolicy: "stop-wave",
          mergeFailurePolicy: "pause",
          stallTimeoutMs: 1,
          relaunchCap: 3
        }
      }),
      signals([pane("a", { dead: true })], { paths: present(t) })
    )
    expect(p.steps[0]).toMatchObject({ _tag: "MarkTask", status: "failed" })
    expect((p.steps[0] as { reason: string }).reason).toContain("credentials expired")
    expect(p.steps.some((s) => s._tag === "StopSession" || s._tag === "RelaunchAgent")).toBe(false)
  })

  it("back-off: a relaunch not yet due is held", () => {
    const t = task("a", { nextAttemptAt: 20_000 })
    const p = plan(state([t]), signals([], { paths: present(t) }), 10_000)
    expect(p.steps[0]).toMatchObject({ _tag: "Hold" })
  })

  it("tmux unknown: holds, and the batch does not continue", () => {
    const t = task("a")
    const p = plan(state([t]), signals([], { tmux: { state: "unknown", reason: "EACCES" }, paths: present(t) }))
    expect(p.steps.map((s) => s._tag)).toEqual(["Hold", "Report"])
  })

  it("reconnect produces only a Reattach", () => {
    const p = plan(state([task("a")]), signals([pane("a")]))
    expect(p.steps.map((s) => s._tag)).toEqual(["Reattach", "ContinueFromWave"])
  })

  it("mark-complete records the marker's outcome once", () => {
    const p = plan(state([task("a")]), signals([pane("a")], { markers: { a: { valid: true } } }))
    expect(p.steps[0]).toMatchObject({ _tag: "MarkTask", status: "succeeded" })
  })
})
