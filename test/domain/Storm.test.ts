/**
 * The relaunch-storm guard counts only agents that ended on their own soon after their launch, shows
 * in the plan, and is overridden by force. A machine crash (every session gone at once) is no storm.
 */
import { describe, expect, it } from "vitest"
import { planFromSnapshot } from "../../core/engine/usecases/Plan.ts"
import { pane, present, signals, state, task } from "../support/builders.ts"

const ids = ["t0", "t1", "t2"]
const tasks = ids.map((id) => task(id, { agent: "claude" }))
const paths = present(...tasks)

describe("relaunch-storm guard", () => {
  it("regression: a machine crash with 3 running agents (every session gone) plans their relaunch, no storm", () => {
    const r = planFromSnapshot(state(tasks), signals([], { paths }))
    expect(r.storm).toBeUndefined()
    expect(r.plan.steps.filter((s) => s._tag === "RelaunchAgent").map((s) => s.taskId)).toEqual(ids)
  })

  it("agents killed from outside (dead panes with a signal) are no storm either", () => {
    const r = planFromSnapshot(
      state(tasks),
      signals(
        ids.map((id) => pane(id, { dead: true, deadSignal: 9 })),
        { paths }
      )
    )
    expect(r.storm).toBeUndefined()
    expect(r.plan.steps.filter((s) => s._tag === "RelaunchAgent")).toHaveLength(3)
  })

  it("three agents that left only a shell soon after their launch: the plan holds them, says why, and continues nothing", () => {
    const r = planFromSnapshot(
      state(tasks),
      signals(
        ids.map((id) => pane(id, { currentCommand: "bash" })),
        { paths }
      )
    )
    expect(r.storm).toMatch(/^relaunch storm: 3 agents \(t0, t1, t2\) exited on their own/)
    expect(r.plan.steps.map((s) => s._tag)).toEqual(["Hold", "Hold", "Hold", "Report"])
    expect(r.plan.steps.at(-1)).toMatchObject({ _tag: "Report", reason: r.storm })
  })

  it("force overrides the guard: the same observation relaunches them", () => {
    const r = planFromSnapshot(
      state(tasks),
      signals(
        ids.map((id) => pane(id, { currentCommand: "bash" })),
        { paths }
      ),
      { force: true }
    )
    expect(r.storm).toBeUndefined()
    expect(r.plan.steps.filter((s) => s._tag === "RelaunchAgent")).toHaveLength(3)
  })

  it("agents launched longer ago than the window are no storm", () => {
    const old = planFromSnapshot(
      state(tasks),
      signals(
        ids.map((id) => pane(id, { currentCommand: "bash" })),
        { paths, observedAt: 1_000 + 11 * 60_000 }
      )
    )
    expect(old.storm).toBeUndefined()
  })
})
