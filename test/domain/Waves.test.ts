import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import {
  planWaves,
  type WaveProblem,
  WaveProblem as WaveProblemSchema,
  type WaveTask
} from "../../core/domain/Waves.ts"

const t = (id: string, ...dependsOn: Array<string>): WaveTask => ({ id, dependsOn })

const waves = (tasks: ReadonlyArray<WaveTask>): ReadonlyArray<ReadonlyArray<string>> => {
  const r = planWaves(tasks)
  if (Result.isFailure(r)) throw new Error(`expected success, got ${r.failure.message}`)
  return r.success
}
const problems = (tasks: ReadonlyArray<WaveTask>): ReadonlyArray<WaveProblem> => {
  const r = planWaves(tasks)
  if (Result.isSuccess(r)) throw new Error(`expected failure, got ${JSON.stringify(r.success)}`)
  return r.failure.problems
}

describe("planWaves: examples", () => {
  it("empty input → no waves", () => {
    expect(waves([])).toEqual([])
  })

  it("independent tasks share wave 0 in input order", () => {
    expect(waves([t("c"), t("a"), t("b")])).toEqual([["c", "a", "b"]])
  })

  it("a chain gives one task per wave", () => {
    expect(waves([t("c", "b"), t("b", "a"), t("a")])).toEqual([["a"], ["b"], ["c"]])
  })

  it("a diamond puts the two middles together", () => {
    expect(waves([t("d", "b", "c"), t("c", "a"), t("b", "a"), t("a")])).toEqual([["a"], ["c", "b"], ["d"]])
  })

  it("a task's wave is 1 + its deepest dependency, not 1 + its shallowest", () => {
    expect(waves([t("a"), t("b", "a"), t("c", "a", "b"), t("x")])).toEqual([["a", "x"], ["b"], ["c"]])
  })

  it("a repeated dependency is harmless", () => {
    expect(waves([t("a"), t("b", "a", "a")])).toEqual([["a"], ["b"]])
  })

  it("cycle a→b→a is reported with both ids", () => {
    expect(problems([t("a", "b"), t("b", "a")])).toEqual([{ _tag: "DependencyCycle", taskIds: ["a", "b"] }])
  })

  it("a cycle is reported in dependency order from its first task, tasks downstream of it are not", () => {
    const tasks = [t("z", "y"), t("y", "x"), t("x", "w"), t("w", "y"), t("after", "z")]
    expect(problems(tasks)).toEqual([{ _tag: "DependencyCycle", taskIds: ["y", "x", "w"] }])
  })

  it("unknown dependency is reported with the task and the missing id", () => {
    expect(problems([t("a"), t("b", "a", "ghost")])).toEqual([
      { _tag: "UnknownDependency", taskId: "b", dependsOn: "ghost" }
    ])
  })

  it("every problem is listed at once, and the message names them", () => {
    const r = planWaves([t("a", "a"), t("b", "nope"), t("b"), t("c", "d"), t("d", "c"), t("e", "e", "e")])
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) {
      expect(r.failure._tag).toBe("WavePlanError")
      expect(r.failure.problems).toEqual([
        { _tag: "DuplicateTaskId", taskId: "b" },
        { _tag: "SelfDependency", taskId: "a" },
        { _tag: "UnknownDependency", taskId: "b", dependsOn: "nope" },
        { _tag: "SelfDependency", taskId: "e" },
        { _tag: "DependencyCycle", taskIds: ["c", "d"] }
      ])
      expect(r.failure.message).toContain("c → d → c")
      expect(r.failure.message).toContain(`"b" depends on unknown task "nope"`)
      for (const p of r.failure.problems) expect(Schema.is(WaveProblemSchema)(p)).toBe(true)
    }
  })

  it("two disjoint cycles are both reported", () => {
    const cycles = problems([t("a", "b"), t("b", "a"), t("c", "d"), t("d", "e"), t("e", "c")])
    expect(cycles).toEqual([
      { _tag: "DependencyCycle", taskIds: ["a", "b"] },
      { _tag: "DependencyCycle", taskIds: ["c", "d", "e"] }
    ])
  })

  it("scales: a 100k chain and a 100k cycle, without recursion", () => {
    const n = 100_000
    const chain = Array.from({ length: n }, (_, i) => t(`t${i}`, ...(i > 0 ? [`t${i - 1}`] : [])))
    const planned = waves(chain)
    expect(planned.length).toBe(n)
    expect(planned[n - 1]).toEqual([`t${n - 1}`])
    const ring = Array.from({ length: n }, (_, i) => t(`t${i}`, `t${(i + 1) % n}`))
    const [cycle] = problems(ring)
    expect(cycle?._tag === "DependencyCycle" ? cycle.taskIds.length : 0).toBe(n)
  })
})

/** An acyclic task list: task i may depend only on tasks before it in generation order, then shuffled. */
const dag = fc
  .integer({ min: 0, max: 25 })
  .chain((n) =>
    fc
      .tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.subarray(Array.from({ length: i }, (_, j) => `t${j}`)).map((deps) => t(`t${i}`, ...deps))
        )
      )
      .chain((tasks) => fc.shuffledSubarray(tasks, { minLength: tasks.length }))
  )

/** Any graph over up to 8 ids (cycles likely), no self-dependencies or unknown ids. */
const anyGraph = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc
          .subarray(Array.from({ length: n }, (_, j) => `t${j}`).filter((d) => d !== `t${i}`))
          .map((deps) => t(`t${i}`, ...deps))
      )
    )
  )

/** Reference cycle check by plain recursive DFS (fine on tiny graphs). */
const hasCycle = (tasks: ReadonlyArray<WaveTask>): boolean => {
  const byId = new Map(tasks.map((x) => [x.id, x]))
  const state = new Map<string, "open" | "done">()
  const visit = (id: string): boolean => {
    if (state.get(id) === "done") return false
    if (state.get(id) === "open") return true
    state.set(id, "open")
    const found = (byId.get(id)?.dependsOn ?? []).some(visit)
    state.set(id, "done")
    return found
  }
  return tasks.some((x) => visit(x.id))
}

const waveOf = (planned: ReadonlyArray<ReadonlyArray<string>>): Map<string, number> =>
  new Map(planned.flatMap((ids, w) => ids.map((id) => [id, w] as const)))

describe("planWaves: laws", () => {
  it("property: every task in exactly one wave; a task's wave is exactly 1 + its deepest dependency", () => {
    fc.assert(
      fc.property(dag, (tasks) => {
        const planned = waves(tasks)
        expect(planned.flat().slice().sort()).toEqual(tasks.map((x) => x.id).sort())
        const w = waveOf(planned)
        for (const task of tasks) {
          const expected = Math.max(-1, ...task.dependsOn.map((d) => w.get(d)!)) + 1
          expect(w.get(task.id)).toBe(expected)
        }
        for (const ids of planned) expect(ids.length).toBeGreaterThan(0)
      })
    )
  })

  it("property: within a wave, ids keep their input order", () => {
    fc.assert(
      fc.property(dag, (tasks) => {
        const position = new Map(tasks.map((x, i) => [x.id, i]))
        for (const ids of waves(tasks)) {
          const positions = ids.map((id) => position.get(id)!)
          expect(positions).toEqual(positions.slice().sort((a, b) => a - b))
        }
      })
    )
  })

  it("property: a permutation of the input yields the same wave membership", () => {
    fc.assert(
      fc.property(
        dag.chain((tasks) => fc.tuple(fc.constant(tasks), fc.shuffledSubarray(tasks, { minLength: tasks.length }))),
        ([a, b]) => {
          expect(waveOf(waves(b))).toEqual(waveOf(waves(a)))
        }
      )
    )
  })

  it("property: fails exactly when there is a cycle, and every reported cycle is a real one", () => {
    fc.assert(
      fc.property(anyGraph, (tasks) => {
        const r = planWaves(tasks)
        expect(Result.isFailure(r)).toBe(hasCycle(tasks))
        if (Result.isFailure(r)) {
          const deps = new Map(tasks.map((x) => [x.id, new Set(x.dependsOn)]))
          const seen = new Set<string>()
          for (const p of r.failure.problems) {
            expect(p._tag).toBe("DependencyCycle")
            if (p._tag !== "DependencyCycle") continue
            expect(new Set(p.taskIds).size).toBe(p.taskIds.length)
            p.taskIds.forEach((id, i) => {
              expect(seen.has(id)).toBe(false) // cycles come from disjoint components
              seen.add(id)
              expect(deps.get(id)?.has(p.taskIds[(i + 1) % p.taskIds.length]!)).toBe(true)
            })
          }
        }
      }),
      { numRuns: 500 }
    )
  })
})
