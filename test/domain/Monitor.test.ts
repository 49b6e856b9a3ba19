/**
 * The live monitor's stall rule (core/domain/Monitor.ts): a silent agent is marked stalled after the stall timeout
 * and given up on after twice that — always through `stalled`, however late the monitor's tick comes.
 */
import { describe, expect, it } from "vitest"
import { monitorTask } from "../../core/domain/Monitor.ts"
import { pane, present, signals, state, task } from "../support/builders.ts"

const STALL = 60_000

describe("stall rule", () => {
  const t = task("t", { startedAt: 1_000 })
  const world = (status: "running" | "stalled", quietFor: number) => {
    const s = state([{ ...t, status }])
    return monitorTask(s, s.tasks[0]!, signals([pane("t")], { observedAt: 1_000 + quietFor, paths: present(t) }), STALL)
  }

  it("stalled after the timeout, failed after twice that once stalled", () => {
    expect(world("running", STALL)?.status).toBe("stalled")
    expect(world("stalled", 2 * STALL)).toMatchObject({ status: "failed", reason: "no output for 120s: given up" })
  })

  // Found by the fault campaign on a loaded CI machine: a monitor tick that came after twice the stall timeout failed
  // the task straight from `running`, so its history, `status` and the notifications never showed it stalled.
  it("regression: a late tick never skips stalled", () => {
    expect(world("running", 5 * STALL)?.status).toBe("stalled")
    expect(world("stalled", 5 * STALL)?.status).toBe("failed")
  })
})

describe("a task waiting at a screen that blocks work", () => {
  it("is neither stalled nor failed by the stall timeout while it waits (a person was notified)", () => {
    const t = task("t", { startedAt: 1_000 })
    const waiting = { since: 2_000, screen: "claude-trust", how: "answer it", lines: ["Accessing workspace"] }
    for (const status of ["running", "stalled"] as const) {
      const s = state([{ ...t, status, waiting }])
      const seen = signals([pane("t")], { observedAt: 1_000 + 10 * STALL, paths: present(t) })
      expect(monitorTask(s, s.tasks[0]!, seen, STALL)).toBeUndefined()
    }
  })
})
