/**
 * Core invariants as laws, over generated batches where lane-mates share their lane's worktree (as a
 * taskplane lane does): never two agents in one worktree (the wave executor's picks and the recovery
 * plan); a lane whose tasks succeeded or were skipped is merged; a persisted blocked verdict is kept
 * unless the graph proves it wrong.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  computeResumePoint,
  laneMergeable,
  laneOutcomeOf,
  lanesNeedingMerge,
  planRecovery,
  reconcile,
  tasksToStart,
  type BatchState,
  type Signals,
  type Task,
  type TaskStatus
} from "../../core/domain/index.ts"
import { scenario } from "../support/scenarios.ts"
import { pendingTask, REPO, signals, state, task } from "../support/builders.ts"

const RUNS = Number(process.env["REKINDLE_PROPERTY_RUNS"] ?? 300)

/** The scenario with every lane's tasks in the worktree of the lane's first task (a shared checkout). */
const sharingLanes = (s: BatchState): BatchState => {
  const first = new Map<string, string | undefined>()
  for (const t of s.tasks) if (t.lane !== undefined && !first.has(t.lane)) first.set(t.lane, t.worktree)
  return {
    ...s,
    tasks: s.tasks.map((t) => {
      if (t.lane === undefined) return t
      const w = first.get(t.lane)
      if (w === undefined) {
        const { worktree: _w, ...rest } = t
        return rest
      }
      return { ...t, worktree: w }
    })
  }
}

const decide = (s: BatchState, sig: Signals) => {
  const decisions = reconcile(s, sig)
  const resumePoint = computeResumePoint(s, decisions)
  return { decisions, resumePoint, plan: planRecovery(s, decisions, resumePoint, { now: sig.observedAt }) }
}

/** The worktrees a plan puts a second agent into: a relaunch next to another task's live, held or relaunched agent. */
const doubleOccupied = (s: BatchState, sig: Signals): ReadonlyArray<string> => {
  const { decisions, plan } = decide(s, sig)
  const worktreeOf = new Map(s.tasks.map((t) => [t.id, t.worktree] as const))
  const agents: Array<readonly [string, string]> = []
  for (const d of decisions) {
    const w = worktreeOf.get(d.taskId)
    if ((d.action === "reconnect" || d.action === "hold") && w !== undefined) agents.push([w, d.taskId])
  }
  const relaunched = plan.steps.flatMap((st) =>
    st._tag === "RelaunchAgent" ? [[st.worktree, st.taskId] as const] : []
  )
  return relaunched.flatMap(([w, id]) =>
    [...agents, ...relaunched].some(([w2, id2]) => w2 === w && id2 !== id) ? [`${id} in ${w}`] : []
  )
}

const STATUSES: ReadonlyArray<TaskStatus> = [
  "pending",
  "running",
  "stalled",
  "succeeded",
  "failed",
  "skipped",
  "blocked"
]
const pickTask = fc.record({
  status: fc.constantFrom(...STATUSES),
  worktree: fc.constantFrom("A", "B", "C", undefined)
})

describe("law: never two agents in one worktree", () => {
  it("the wave executor's picks: pending only, at most the free slots, each worktree once and none already worked in", () => {
    fc.assert(
      fc.property(fc.array(pickTask, { maxLength: 10 }), fc.nat({ max: 6 }), (specs, slots) => {
        const tasks = specs.map(({ status, worktree }, i): Task => {
          const { worktree: _w, ...rest } = pendingTask(`t${i}`, { status })
          return worktree === undefined ? rest : { ...rest, worktree: `${REPO}/${worktree}` }
        })
        const picked = tasksToStart(tasks, slots)
        expect(picked.length).toBeLessThanOrEqual(slots)
        expect(picked.every((t) => t.status === "pending")).toBe(true)
        const working = tasks.filter((t) => t.status === "running" || t.status === "stalled").map((t) => t.worktree)
        const mine = picked.flatMap((t) => (t.worktree === undefined ? [] : [t.worktree]))
        expect(new Set(mine).size).toBe(mine.length)
        expect(mine.some((w) => working.includes(w))).toBe(false)
        // Maximal: a pending task left out had its worktree taken, or the slots ran out.
        const taken = new Set([...working, ...mine])
        const left = tasks.filter((t) => t.status === "pending" && !picked.includes(t))
        for (const t of left)
          expect(picked.length === slots || (t.worktree !== undefined && taken.has(t.worktree))).toBe(true)
      }),
      { numRuns: RUNS }
    )
  })

  it("the recovery plan never relaunches beside a lane-mate's live, held or relaunched agent", () => {
    fc.assert(
      fc.property(scenario, ({ state: s, signals: sig }) => {
        expect(doubleOccupied(sharingLanes(s), sig)).toEqual([])
      }),
      { numRuns: RUNS }
    )
  })

  it("regression: two lane-mates with dead sessions in one worktree: one relaunches, the other waits as pending", () => {
    const w = `${REPO}/.worktrees/lane-1`
    const a = task("a", { lane: "lane-1", worktree: w })
    const b = task("b", { lane: "lane-1", worktree: w })
    const s = state([a, b])
    const sig = signals([], { paths: { [w]: "present" } })
    expect(doubleOccupied(s, sig)).toEqual([])
    const { plan } = decide(s, sig)
    expect(plan.steps.filter((st) => st._tag === "RelaunchAgent").map((st) => st.taskId)).toEqual(["a"])
    expect(plan.steps).toContainEqual(expect.objectContaining({ _tag: "MarkTask", taskId: "b", status: "pending" }))
  })
})

describe("law: a lane whose tasks succeeded or were skipped is merged", () => {
  const laneSpec = fc.array(
    fc.record({
      lane: fc.constantFrom("L1", "L2", "L3"),
      status: fc.constantFrom<TaskStatus>("succeeded", "skipped", "failed", "blocked", "pending")
    }),
    { minLength: 1, maxLength: 8 }
  )
  it("lanesNeedingMerge lists exactly the lanes with a success and nothing but skips besides", () => {
    fc.assert(
      fc.property(laneSpec, (specs) => {
        const tasks = specs.map(({ lane, status }, i) => pendingTask(`t${i}`, { lane, status }))
        const s = state(tasks)
        const byId = new Map(tasks.map((t) => [t.id, t] as const))
        const needing = lanesNeedingMerge(s, 0, (id) => laneOutcomeOf(byId.get(id)!.status))
        for (const lane of new Set(specs.map((x) => x.lane))) {
          const statuses = tasks.filter((t) => t.lane === lane).map((t) => laneOutcomeOf(t.status))
          const expected = statuses.includes("succeeded") && statuses.every((o) => o !== "other")
          expect(needing.includes(lane)).toBe(expected)
          expect(laneMergeable(statuses)).toBe(expected)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it("regression: a finished wave whose lane holds a succeeded and a skipped task gets a merge retry", () => {
    const s = state([task("a", { lane: "L1", status: "succeeded" }), task("b", { lane: "L1", status: "skipped" })])
    const { resumePoint, plan } = decide(s, signals([]))
    expect(resumePoint.mergeRetryWaves).toEqual([0])
    expect(plan.steps).toContainEqual(expect.objectContaining({ _tag: "RetryMerge", wave: 0, lanes: ["L1"] }))
  })

  it("regression: a lane of skipped tasks only is not merged (nothing of its own to merge)", () => {
    const s = state([task("a", { lane: "L1", status: "skipped" })])
    expect(decide(s, signals([])).resumePoint.mergeRetryWaves).toEqual([])
  })
})

describe("law: a persisted blocked verdict is kept unless the graph proves it wrong", () => {
  it("a blocked task without dependencies is never unblocked, and the resume point lists it blocked", () => {
    fc.assert(
      fc.property(scenario, ({ state: s, signals: sig }) => {
        const kept = new Set(s.tasks.filter((t) => t.status === "blocked" && t.dependsOn.length === 0).map((t) => t.id))
        const { decisions, resumePoint, plan } = decide(s, sig)
        for (const st of plan.steps)
          if (st._tag === "MarkTask" && st.status === "pending") expect(kept.has(st.taskId)).toBe(false)
        for (const d of decisions)
          if (kept.has(d.taskId) && d.action === "pending") expect(resumePoint.blocked).toContain(d.taskId)
      }),
      { numRuns: RUNS }
    )
  })

  it("regression: taskplane's blockedTaskIds verdict, imported without dependencies, stays blocked", () => {
    const blocked: Task = pendingTask("tp7", { status: "blocked" })
    const s = state([task("tp1", { status: "succeeded" }), blocked], { waves: [["tp1"], ["tp7"]] })
    const { resumePoint, plan } = decide(s, signals([]))
    expect(resumePoint.blocked).toEqual(["tp7"])
    expect(plan.steps.filter((st) => st._tag === "MarkTask")).toEqual([])
  })

  it("regression: the graph proves it wrong: every dependency succeeded, so the task is unblocked", () => {
    const s = state([task("a", { status: "succeeded" }), pendingTask("b", { status: "blocked", dependsOn: ["a"] })], {
      waves: [["a"], ["b"]]
    })
    const { plan } = decide(s, signals([]))
    expect(plan.steps).toContainEqual(expect.objectContaining({ _tag: "MarkTask", taskId: "b", status: "pending" }))
  })
})
