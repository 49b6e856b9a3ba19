/**
 * Laws of the mapping interface (core/import/Mapping.ts): what an adapter hands over survives the
 * import unchanged, and the import is total — a valid state or a non-empty list of problems.
 */
import fc from "fast-check"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { migrateState, type BatchState, type Task } from "../../core/domain/index.ts"
import { toBatchState, type ForeignBatch, type ForeignTask } from "../../core/import/index.ts"
import { scenarioArbitrary } from "../../adapters/testing/Scenarios.ts"
import { workspaceProblems } from "../../core/domain/Workspaces.ts"

const RUNS = Number(process.env["REKINDLE_PROPERTY_RUNS"] ?? 200)

/** A rekindle state expressed through the mapping interface (every fact it can carry). */
const asForeign = (s: BatchState): ForeignBatch => ({
  source: "law",
  batchId: s.batchId,
  repoRoot: s.repoRoot,
  baseBranch: s.baseBranch,
  phase: s.phase,
  waves: s.waves,
  tasks: s.tasks.map(
    (t): ForeignTask => ({
      id: t.id,
      status: t.status,
      dependsOn: t.dependsOn,
      agent: t.agent,
      prompt: t.prompt,
      attempts: t.attempts,
      ...(t.command === undefined ? {} : { command: t.command }),
      ...(t.lane === undefined ? {} : { lane: t.lane }),
      ...(t.session === undefined ? {} : { session: t.session }),
      ...(t.worktree === undefined ? {} : { worktree: t.worktree }),
      ...(t.branch === undefined ? {} : { branch: t.branch }),
      ...(t.doneMarker === undefined ? {} : { doneMarker: t.doneMarker }),
      ...(t.conversationId === undefined ? {} : { conversationId: t.conversationId }),
      ...(t.startedAt === undefined ? {} : { startedAt: t.startedAt }),
      ...(t.endedAt === undefined ? {} : { endedAt: t.endedAt }),
      ...(t.exitReason === undefined ? {} : { exitReason: t.exitReason })
    })
  ),
  lanes: s.lanes,
  merges: s.merges,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt
})

/** The facts of a task the interface carries (rekindle's own bookkeeping is not an adapter's to give). */
const carried = ({
  agentProcess: _a,
  worktreeArchived: _w,
  nextAttemptAt: _n,
  history: _h,
  exitStatus: _e,
  ...rest
}: Task) => rest

describe("mapping interface laws", () => {
  it("round trip: a state expressed as a ForeignBatch imports back to the same batch, tasks, waves and merges — or, when rekindle could not carry it on, is refused with exactly those tasks' problems", () => {
    fc.assert(
      fc.property(scenarioArbitrary(), ({ state }) => {
        const back = toBatchState(asForeign(state))
        const unworkable = workspaceProblems(state)
        if (unworkable.length > 0) {
          expect(back).toEqual(Result.fail(unworkable))
          return
        }
        expect(Result.isSuccess(back)).toBe(true)
        const s = Result.getOrThrow(back)
        expect(s.tasks.map(carried)).toEqual(state.tasks.map(carried))
        expect([s.batchId, s.phase, s.repoRoot, s.baseBranch, s.waves, s.merges]).toEqual([
          state.batchId,
          state.phase,
          state.repoRoot,
          state.baseBranch,
          state.waves,
          state.merges
        ])
        expect(s["importedFrom"]).toEqual({ source: "law" })
      }),
      { numRuns: RUNS }
    )
  })

  it("waves default to the dependency plan", () => {
    const r = toBatchState({
      source: "law",
      batchId: "b",
      repoRoot: "/r",
      baseBranch: "main",
      phase: "paused",
      createdAt: 0,
      updatedAt: 0,
      agent: "shell",
      merge: "host",
      tasks: [
        { id: "c", status: "pending", dependsOn: ["a", "b"], worktree: "/r/w/c" },
        { id: "a", status: "succeeded" },
        { id: "b", status: "pending", dependsOn: ["a"], worktree: "/r/w/b" }
      ]
    })
    expect(Result.getOrThrow(r).waves).toEqual([["a"], ["b"], ["c"]])
  })

  it("totality: any input is a state that decodes, or a non-empty list of problems — never a throw", () => {
    const id = fc.oneof(fc.constantFrom("a", "b", "c", "-x", "", "a b"), fc.string({ maxLength: 4 }))
    const status = fc.constantFrom(
      "pending",
      "running",
      "succeeded",
      "failed",
      "stalled",
      "skipped",
      "blocked"
    ) as fc.Arbitrary<ForeignTask["status"]>
    const path = fc.constantFrom("/r/w", "/r/../etc", "relative", "/elsewhere", undefined)
    const task = fc
      .record({
        id,
        status,
        dependsOn: fc.array(id, { maxLength: 2 }),
        worktree: path,
        doneMarker: path,
        attempts: fc.integer({ min: -1, max: 3 })
      })
      .map(
        ({ worktree, doneMarker, ...t }): ForeignTask => ({
          ...t,
          ...(worktree === undefined ? {} : { worktree }),
          ...(doneMarker === undefined ? {} : { doneMarker })
        })
      )
    const batch = fc.record({
      batchId: id,
      repoRoot: fc.constantFrom("/r", "/r/", "r"),
      tasks: fc.array(task, { maxLength: 4 }),
      waves: fc.option(fc.array(fc.array(id, { maxLength: 3 }), { maxLength: 3 }), { nil: undefined }),
      createdAt: fc.integer({ min: -1, max: 5 })
    })
    fc.assert(
      fc.property(batch, ({ waves, ...b }) => {
        const r = toBatchState({
          source: "law",
          baseBranch: "main",
          phase: "paused",
          updatedAt: 0,
          agent: "shell",
          ...b,
          ...(waves === undefined ? {} : { waves })
        })
        if (Result.isSuccess(r))
          expect(Result.isSuccess(migrateState(JSON.parse(JSON.stringify(r.success))))).toBe(true)
        else expect(r.failure.length).toBeGreaterThan(0)
      }),
      { numRuns: RUNS }
    )
  })
})

describe("toBatchState lists every problem at once", () => {
  // Found by outside eyes: a duplicate task id hid a bad status and a bad merge policy; fixing one showed the next.
  it("regression: a duplicate id, an unknown status and an unknown merge policy are all listed in one answer", () => {
    const task = (id: string, status: string): ForeignTask =>
      ({ id, status, dependsOn: [], agent: "shell", prompt: "p", attempts: 0 }) as unknown as ForeignTask
    const batch = {
      source: "law",
      batchId: "good",
      repoRoot: "/repo",
      baseBranch: "main",
      phase: "executing",
      waves: [["ok", "ok", "w"]],
      tasks: [task("ok", "pending"), task("ok", "pending"), task("w", "weird")],
      merge: "bogus",
      createdAt: 0,
      updatedAt: 0
    } as unknown as ForeignBatch
    const r = toBatchState(batch)
    expect(Result.isFailure(r)).toBe(true)
    const problems = Result.isFailure(r) ? r.failure.join("\n") : ""
    expect(problems).toContain('task "ok" is in more than one wave')
    expect(problems).toContain('["status"]')
    expect(problems).toContain('["mergePolicy"]')
  })
})
