/**
 * A task waiting at a screen that blocks work, as people and programs see it: `plan` (text and `--json`) lists it with
 * the screen's lines from the state the supervisor recorded; `status` shows it `waiting` from a live capture, from the
 * state when there is none, and not when the live capture no longer shows the screen.
 */
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { planFromSnapshot } from "../../core/domain/PlanReport.ts"
import { statusOf } from "../../core/engine/usecases/Status.ts"
import { planJson, statusJson } from "../../cli/render/Json.ts"
import { renderPlan } from "../../cli/render/Plan.ts"
import { PlanOutput, StatusOutput } from "../../cli/render/Shapes.ts"
import { renderStatus } from "../../cli/render/Status.ts"
import { plain } from "../../cli/render/Style.ts"
import { pane, present, signals, state, task } from "../support/builders.ts"

const waiting = {
  since: 2_000,
  screen: "unrecognised",
  how: "answer it yourself",
  lines: ["Do you want to proceed?", " ❯ 1. Yes"]
}
const a = task("a", { waiting })
const b = task("b")
const seen = signals([pane("a"), pane("b")], { paths: present(a, b) })

describe("a waiting task", () => {
  it("plan: reconnected like any live agent, and listed waiting with its screen (text and --json)", () => {
    const report = planFromSnapshot(state([a, b]), seen)
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ["a", "reconnect"],
      ["b", "reconnect"]
    ])
    expect(report.waiting).toEqual([{ taskId: "a", ...waiting }])
    const text = renderPlan(plain, report, "live").join("\n")
    expect(text).toContain(
      "a is waiting, stopped at unrecognised: answer it yourself (rekindle attach a to answer it):"
    )
    expect(text).toContain("  │  ❯ 1. Yes")
    const json = planJson(report, "live")
    expect(Schema.decodeUnknownSync(PlanOutput)(json).waiting).toEqual([{ taskId: "a", ...waiting }])
  })

  it("plan: a waiting task whose agent is gone is not listed (it is relaunched, the screen went with it)", () => {
    const gone = signals([pane("b")], { paths: present(a, b) })
    expect(planFromSnapshot(state([a, b]), gone).waiting).toBeUndefined()
  })

  it("status: waiting from the state without a live capture; the live capture wins when it shows none", () => {
    const fromState = statusOf(state([a, b]), seen, undefined)
    expect(fromState.tasks.map((t) => [t.id, t.status])).toEqual([
      ["a", "waiting"],
      ["b", "running"]
    ])
    expect(fromState.counts).toMatchObject({ running: 1, waiting: 1 })
    const doc = Schema.decodeUnknownSync(StatusOutput)(statusJson(fromState))
    expect(doc.tasks[0]).toMatchObject({ status: "waiting", waiting: { screen: "unrecognised", lines: waiting.lines } })
    expect(renderStatus(plain, fromState).join("\n")).toContain(
      "a waits at this screen (rekindle attach a to answer it):"
    )
    const answered = statusOf(state([a, b]), seen, undefined, new Map(), undefined, new Map([["a", "none" as const]]))
    expect(answered.tasks[0]!.status).toBe("running")
  })
})
