/**
 * The optimised decide path (integer task positions, typed-array tables, one pass over the panes)
 * returns exactly what the straightforward implementation it replaced returns (kept verbatim in
 * test/domain/reference/): same values, same key order (compared as JSON too), on consistent
 * scenarios roughened with what a hand-edited or damaged state can hold — duplicate task ids, wave
 * ids without a task, tasks in no wave, decisions for ids the state lacks, long merge ledgers — on
 * raw Schema-generated documents, and on the bench's generated batches.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { batchStateArbitrary, decisionArbitrary, signalsArbitrary } from "../../adapters/testing/Arbitraries.ts"
import * as New from "../../core/domain/index.ts"
import type { BatchState, MergeRecord, ResumePoint, Signals, Task, TaskDecision } from "../../core/domain/index.ts"
import { generateBatch } from "../../scripts/bench/generate.ts"
import { scenario } from "../support/scenarios.ts"
import * as RefDecide from "./reference/Decide.ts"
import * as RefPlan from "./reference/Plan.ts"

const RUNS = Number(process.env["REKINDLE_PROPERTY_RUNS"] ?? 300)

const same = (actual: unknown, expected: unknown) => {
  expect(actual).toStrictEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
}

/** Both implementations on the same input, compared stage by stage; decisions/resume point may be edited in between. */
const agree = (
  state: BatchState,
  signals: Signals,
  editDecisions: (ds: ReadonlyArray<TaskDecision>) => ReadonlyArray<TaskDecision> = (ds) => ds,
  editResume: (rp: ResumePoint) => ResumePoint = (rp) => rp
) => {
  const ref = RefDecide.reconcile(state, signals)
  same(New.reconcile(state, signals), ref)
  const ds = editDecisions(ref)
  const rp = RefPlan.computeResumePoint(state, ds)
  same(New.computeResumePoint(state, ds), rp)
  const rp2 = editResume(rp)
  same(
    New.planRecovery(state, ds, rp2, { now: signals.observedAt }),
    RefPlan.planRecovery(state, ds, rp2, { now: signals.observedAt })
  )
  // The per-task API, which shares the evidence reading with reconcile.
  same(New.taskOrder(state), RefDecide.taskOrder(state))
  same([...New.tasksById(state)], [...RefPlan.tasksById(state)])
  for (const t of state.tasks) {
    same(New.evidenceFor(state, t, signals), RefDecide.evidenceFor(state, t, signals))
    same(New.liveness(state, t, signals), RefDecide.liveness(state, t, signals))
    same(New.panesOf(state, t, signals), RefDecide.panesOf(state, t, signals))
    same(New.worktreeEvidence(t, signals), RefDecide.worktreeEvidence(t, signals))
    same(New.worktreeDirty(t, signals), RefDecide.worktreeDirty(t, signals))
    same(New.recordedAgentAlive(t, signals), RefDecide.recordedAgentAlive(t, signals))
  }
  const completed = new Set(rp.completed)
  const skipped = new Set(rp.skipped)
  const outcome = (id: string): "succeeded" | "skipped" | "other" =>
    completed.has(id) ? "succeeded" : skipped.has(id) ? "skipped" : "other"
  for (let w = -1; w <= state.waves.length; w++) {
    same(New.lanesNeedingMerge(state, w, outcome), RefPlan.lanesNeedingMerge(state, w, outcome))
    for (const lane of ["L1", "L2", "a", "zz"])
      same(New.latestMerge(state.merges, w, lane), RefPlan.latestMerge(state.merges, w, lane))
  }
}

const ID = fc.constantFrom("a", "b", "c", "d", "g", "zz")
const merge = fc
  .record({
    wave: fc.nat({ max: 3 }),
    status: fc.constantFrom("succeeded", "failed", "conflict"),
    at: fc.nat({ max: 20 }),
    lane: fc.constantFrom("L1", "L2", "a", undefined)
  })
  .map(({ lane, ...m }): MergeRecord => (lane === undefined ? m : { ...m, lane }))

const roughened = fc.record({
  sc: scenario,
  dupes: fc.array(
    fc.record({
      at: fc.nat({ max: 6 }),
      status: fc.constantFrom("running", "failed", "pending", "succeeded"),
      attempts: fc.nat({ max: 3 }),
      dependsOn: fc.subarray(["a", "b", "c", "zz"])
    }),
    { maxLength: 3 }
  ),
  waveIds: fc.array(fc.record({ wave: fc.nat({ max: 4 }), id: ID }), { maxLength: 4 }),
  dropLastWave: fc.boolean(),
  depOnUnknown: fc.boolean(),
  panes: fc.array(
    fc.record({
      id: ID,
      tag: fc.constantFrom("own", "other-batch", "none"),
      paneId: fc.constantFrom("%0", "%1", "%10", "%9"),
      dead: fc.boolean(),
      cmd: fc.constantFrom("bash", "agent"),
      pid: fc.constantFrom(100, 110, 120, 999)
    }),
    { maxLength: 4 }
  ),
  procs: fc.array(
    fc.record({
      pid: fc.constantFrom(100, 110, 120, 999),
      ppid: fc.constantFrom(1, 100, 110),
      start: fc.constantFrom("s100", "x")
    }),
    { maxLength: 3 }
  ),
  merges: fc.array(merge, { maxLength: 40 }),
  decisions: fc.constantFrom("as-is", "reversed", "drop-first", "duplicated", "unknown-failed", "unknown-skip"),
  resume: fc.constantFrom("as-is", "retry-every-wave", "foreign-ids")
})

const rough = ({
  sc,
  dupes,
  waveIds,
  dropLastWave,
  depOnUnknown,
  panes,
  procs,
  merges
}: typeof roughened extends fc.Arbitrary<infer A> ? A : never) => {
  const tasks = [...sc.state.tasks]
  for (const d of dupes) {
    const t = tasks[d.at % tasks.length]!
    tasks.push({ ...t, status: d.status, attempts: d.attempts, dependsOn: d.dependsOn })
  }
  // A never-started task depending on an id no task has (blocked only by a decision for that id).
  if (depOnUnknown && tasks[0] !== undefined) {
    const { startedAt: _, ...base } = tasks[0]
    tasks.push({ ...base, id: "p", status: "pending", attempts: 0, dependsOn: ["zz"] })
  }
  const waves = sc.state.waves.map((w) => [...w]).slice(0, dropLastWave && sc.state.waves.length > 1 ? -1 : undefined)
  for (const e of waveIds) (waves[e.wave % (waves.length + 1)] ??= []).push(e.id)
  const state: BatchState = { ...sc.state, tasks, waves, merges: [...sc.state.merges, ...merges] }
  const up = sc.signals.tmux.state === "up" ? sc.signals.tmux.panes : undefined
  const extra = panes.map((p, i) => ({
    sessionId: `$x${i}`,
    sessionName: New.sessionNameFor("b1", p.id),
    paneId: p.paneId,
    panePid: p.pid,
    dead: p.dead,
    currentCommand: p.cmd,
    ...(p.tag === "own"
      ? { taskTag: New.ownershipTag("b1", p.id) }
      : p.tag === "other-batch"
        ? { taskTag: New.ownershipTag("b2", p.id) }
        : {})
  }))
  const known = sc.signals.processes.state === "known" ? sc.signals.processes.processes : undefined
  const signals: Signals = {
    ...sc.signals,
    tmux: up === undefined ? sc.signals.tmux : { state: "up", panes: [...up, ...extra] },
    processes:
      known === undefined
        ? sc.signals.processes
        : {
            state: "known",
            processes: [...known, ...procs.map((p) => ({ pid: p.pid, ppid: p.ppid, startTime: p.start, argv: ["x"] }))]
          }
  }
  return { state, signals }
}

const editDecisions =
  (how: string) =>
  (ds: ReadonlyArray<TaskDecision>): ReadonlyArray<TaskDecision> => {
    switch (how) {
      case "reversed":
        return [...ds].reverse()
      case "drop-first":
        return ds.slice(1)
      case "duplicated":
        return [...ds, ...ds.slice(0, 2).map((d) => ({ ...d, action: "mark-failed" as const }))]
      case "unknown-failed":
        return ds.length === 0 ? ds : [...ds, { ...ds[0]!, taskId: "zz", action: "mark-failed" }]
      case "unknown-skip":
        return ds.length === 0 ? ds : [...ds, { ...ds[0]!, taskId: "zz", action: "skip" }]
      default:
        return ds
    }
  }

const editResume =
  (how: string, state: BatchState) =>
  (rp: ResumePoint): ResumePoint =>
    how === "retry-every-wave"
      ? { ...rp, mergeRetryWaves: [...state.waves.keys(), 7] }
      : how === "foreign-ids"
        ? {
            ...rp,
            blocked: [...rp.blocked, "zz", ...rp.pending.slice(0, 1)],
            pending: [...rp.pending, "zz"],
            completed: [...rp.completed, "zz"]
          }
        : rp

describe("the optimised decide path agrees with the reference implementation", () => {
  it("on roughened scenarios (duplicates, stray wave ids, unplaced tasks, foreign decisions, long ledgers)", () => {
    fc.assert(
      fc.property(roughened, (r) => {
        const { state, signals } = rough(r)
        agree(state, signals, editDecisions(r.decisions), editResume(r.resume, state))
      }),
      { numRuns: RUNS }
    )
  })

  it("on raw Schema-generated documents and arbitrary decisions", () => {
    fc.assert(
      fc.property(
        batchStateArbitrary(),
        signalsArbitrary(),
        fc.array(decisionArbitrary(), { maxLength: 4 }),
        (state, signals, extra) => {
          agree(state, signals, (ds) => [...ds, ...extra])
        }
      ),
      { numRuns: Math.ceil(RUNS / 3) }
    )
  })

  it("a duplicate task's dependencies block the kept twin too (as the reference does)", () => {
    const { state, signals: observed } = generateBatch(3)
    const signals: Signals = { ...observed, markers: {} } // t0 fails by its persisted status alone
    const [t0, t1, t2] = state.tasks as [Task, Task, Task]
    const failed: Task = { ...t0, status: "failed" }
    const kept: Task = { ...t2, status: "pending", attempts: 0, dependsOn: [] } // never started (t2 is `i % 3 === 2`)
    const loser: Task = { ...kept, prompt: "", dependsOn: [failed.id] } // smaller JSON: not kept
    for (const tasks of [
      [failed, t1, kept, loser],
      [loser, t1, failed, kept]
    ]) {
      const s: BatchState = { ...state, tasks }
      agree(s, signals)
      expect(New.computeResumePoint(s, New.reconcile(s, signals)).blocked).toEqual([kept.id])
    }
  })

  it("on the bench's generated batches, with failures to block dependents and a long merge ledger", () => {
    const { state, signals } = generateBatch(3_000)
    agree(state, signals)
    const failing: BatchState = {
      ...state,
      tasks: state.tasks.map((t, i) =>
        i % 13 === 0 ? { ...t, status: "failed" } : i % 17 === 0 ? { ...t, status: "pending", attempts: 0 } : t
      ),
      merges: Array.from({ length: 120 }, (_, i) => ({
        wave: i % 60,
        status: i % 3 === 0 ? ("succeeded" as const) : ("failed" as const),
        at: i
      }))
    }
    agree(failing, signals)
    const allDone: BatchState = {
      ...failing,
      tasks: state.tasks.map((t) => ({ ...t, status: "succeeded" as const, lane: `L${Number(t.id.slice(1)) % 7}` }))
    }
    agree(allDone, { ...signals, tmux: { state: "no-server" } })
  })
})
