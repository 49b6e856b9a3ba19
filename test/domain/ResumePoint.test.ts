import { describe, expect, it } from "vitest"
import { computeResumePoint, planRecovery, reconcile, type BatchState, type Signals } from "../../core/domain/index.ts"
import { pendingTask, present, signals, state, task } from "../support/builders.ts"

const resume = (s: BatchState, sig: Signals) => computeResumePoint(s, reconcile(s, sig))

describe("computeResumePoint", () => {
  const done = (id: string, lane = id) => task(id, { status: "succeeded", lane })

  it("resumes at the first wave with unfinished tasks", () => {
    const s = state([done("a"), task("b"), pendingTask("c")], {
      waves: [["a"], ["b"], ["c"]],
      merges: [{ wave: 0, status: "succeeded", at: 5 }]
    })
    const rp = resume(s, signals([], { paths: present(task("b")) }))
    expect(rp.resumeWave).toBe(1)
    expect(rp.mergeRetryWaves).toEqual([])
    expect(rp).toMatchObject({ completed: ["a"], reExecute: ["b"], pending: ["c"] })
  })

  it("merge-retry wave before an unfinished wave: merged again, its tasks never re-run", () => {
    const s = state([done("a"), pendingTask("b")], {
      waves: [["a"], ["b"]],
      merges: [{ wave: 0, lane: "a", status: "conflict", at: 5 }]
    })
    const rp = resume(s, signals([]))
    expect(rp.mergeRetryWaves).toEqual([0])
    expect(rp.resumeWave).toBe(1)
    const plan = planRecovery(s, reconcile(s, signals([])), rp, { now: 0 })
    expect(plan.steps.map((x) => x._tag)).toEqual(["RetryMerge", "ContinueFromWave"])
    expect(plan.steps.some((x) => x._tag === "RelaunchAgent")).toBe(false)
  })

  it("latest merge record wins", () => {
    const failedLast = state([done("a")], {
      waves: [["a"]],
      merges: [
        { wave: 0, status: "succeeded", at: 1 },
        { wave: 0, status: "failed", at: 2 }
      ]
    })
    expect(resume(failedLast, signals([])).mergeRetryWaves).toEqual([0])
    const succeededLast = state([done("a")], {
      waves: [["a"]],
      merges: [
        { wave: 0, status: "failed", at: 1 },
        { wave: 0, status: "succeeded", at: 2 }
      ]
    })
    expect(resume(succeededLast, signals([])).mergeRetryWaves).toEqual([])
    expect(resume(succeededLast, signals([])).resumeWave).toBeUndefined()
  })

  it("a wave that finished without a merge record (crash before merging) is merged again", () => {
    expect(resume(state([done("a")]), signals([])).mergeRetryWaves).toEqual([0])
  })

  it("all-skipped wave needs no merge", () => {
    const s = state([task("a", { status: "skipped" }), task("b", { status: "failed" })], { waves: [["a", "b"]] })
    const rp = resume(s, signals([]))
    expect(rp.mergeRetryWaves).toEqual([])
    expect(rp.resumeWave).toBeUndefined()
  })

  it("a mixed lane (one task failed) is not merged", () => {
    const s = state([done("a", "L"), task("b", { status: "failed", lane: "L" })], { waves: [["a", "b"]] })
    expect(resume(s, signals([])).mergeRetryWaves).toEqual([])
  })

  it("transitive blocking A←B←C without double counting", () => {
    const s = state(
      [
        task("A", { status: "failed" }),
        pendingTask("B", { dependsOn: ["A"] }),
        pendingTask("C", { dependsOn: ["B"] }),
        pendingTask("D")
      ],
      { waves: [["A", "D"], ["B"], ["C"]] }
    )
    const rp = resume(s, signals([]))
    expect(rp.blocked).toEqual(["B", "C"])
    expect(rp.pending).toEqual(["D"])
    expect(rp.failed).toEqual(["A"])
    expect(rp.resumeWave).toBe(0)
  })

  it("a task that was blocked but whose dependency is no longer failed becomes pending again", () => {
    const s = state([task("A", { status: "succeeded" }), pendingTask("B", { dependsOn: ["A"], status: "blocked" })], {
      waves: [["A"], ["B"]],
      merges: [{ wave: 0, status: "succeeded", at: 1 }]
    })
    const rp = resume(s, signals([]))
    expect(rp.pending).toEqual(["B"])
    const plan = planRecovery(s, reconcile(s, signals([])), rp, { now: 0 })
    expect(plan.steps[0]).toMatchObject({ _tag: "MarkTask", taskId: "B", status: "pending" })
  })
})
