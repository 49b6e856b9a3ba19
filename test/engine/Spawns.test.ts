/**
 * Spawn budget (DESIGN §3): one observe pass costs the same number of process spawns whatever the
 * number of tasks — one `tmux list-panes -a` and one `git worktree list`; the process table is read
 * from /proc and worktree paths, markers and logs are stat'ed. planState adds one `git status` per
 * re-execute candidate only. Measured on real tmux (private socket) and real git (temp repo) with a
 * ChildProcessSpawner that counts every spawn, for N = 1, 10 and 100 tasks.
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ownershipTag, type BatchState, type Task } from "../../core/domain/index.ts"
import { observe } from "../../core/engine/support/Observe.ts"
import { planState } from "../../core/engine/usecases/Plan.ts"
import { ProcessTable } from "../../core/ports/ProcessTable.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import type { LiveServices } from "../../adapters/node.ts"
import { countingLayer, countingSpawner, realState, SLEEPER, subcommand } from "../support/real/batch.ts"
import { pidAlive, pollUntil } from "../support/real/poll.ts"
import { makeRepo, type RealRepo } from "../support/real/repo.ts"
import { freshSocket, killServer } from "../support/real/socket.ts"

/** What one observe pass spawns, whatever N: tmux list-panes + git worktree list. */
const OBSERVE_SPAWNS = 2
const SIZES = [1, 10, 100] as const

const socket = freshSocket()
const spawner = countingSpawner()
const runtime = ManagedRuntime.make(countingLayer(socket, spawner))
let repo: RealRepo
const states = new Map<number, BatchState>()

/** N running tasks, each with its worktree and its tagged session running a long sleep. */
const runningBatch = (root: string, n: number) =>
  Effect.gen(function* () {
    const batchId = `n${n}`
    const base = realState(
      root,
      batchId,
      Array.from({ length: n }, (_, i) => ({ id: `t${i}` }))
    )
    const git = yield* Worktrees
    const tmux = yield* Tmux
    const procs = yield* ProcessTable
    const self = yield* procs.self
    // git serialises worktree creation on the repo's admin files: one at a time.
    yield* Effect.forEach(base.tasks, (t) => git.add(root, { path: t.worktree!, branch: t.branch!, base: "main" }), {
      discard: true
    })
    const tasks = yield* Effect.forEach(
      base.tasks,
      (t) =>
        Effect.gen(function* () {
          const pane = yield* tmux.newSession({
            name: t.session!,
            cwd: t.worktree!,
            argv: SLEEPER,
            taskTag: ownershipTag(batchId, t.id)
          })
          const info = (yield* procs.snapshot).find((p) => p.pid === pane.panePid)
          return {
            ...t,
            status: "running",
            attempts: 1,
            startedAt: base.createdAt,
            ...(info === undefined
              ? {}
              : { agentProcess: { pid: pane.panePid, startTime: info.startTime, host: self.host } })
          } satisfies Task
        }),
      { concurrency: 4 }
    )
    return { ...base, tasks } satisfies BatchState
  })

/** Spawns made by `effect` (and the commands, for the failure message). */
const measure = async <A, E>(effect: Effect.Effect<A, E, LiveServices>) => {
  spawner.reset()
  const value = await runtime.runPromise(effect)
  return { value, spawns: spawner.count(), commands: spawner.calls.map(subcommand) }
}

describe("spawn budget of observe and planState (real tmux + git)", () => {
  beforeAll(async () => {
    repo = makeRepo()
    for (const n of SIZES) states.set(n, await runtime.runPromise(runningBatch(repo.root, n)))
  }, 180_000)

  afterAll(async () => {
    await runtime.dispose()
    killServer(socket)
    repo?.cleanup()
  })

  it(`observe(state) costs exactly ${OBSERVE_SPAWNS} spawns for N = ${SIZES.join(", ")}`, async () => {
    const counts: Array<number> = []
    for (const n of SIZES) {
      const state = states.get(n)!
      const { value: signals, spawns, commands } = await measure(observe(state))
      expect(signals.tmux.state).toBe("up")
      const panes =
        signals.tmux.state === "up" ? signals.tmux.panes.filter((p) => p.taskTag?.startsWith(`${state.batchId}/`)) : []
      expect(panes).toHaveLength(n)
      expect(signals.worktrees.filter((w) => w.path.includes(`/.rekindle/worktrees/${state.batchId}/`))).toHaveLength(n)
      expect(commands.sort()).toEqual(["git worktree", "tmux list-panes"])
      counts.push(spawns)
    }
    expect(counts).toEqual(SIZES.map(() => OBSERVE_SPAWNS))
  })

  it(`planState costs the same ${OBSERVE_SPAWNS} spawns when no task needs re-execution`, async () => {
    const counts: Array<number> = []
    for (const n of SIZES) {
      const { value: report, spawns } = await measure(planState(states.get(n)!))
      expect(report.decisions.every((d) => d.action === "reconnect")).toBe(true)
      expect(report.decisions).toHaveLength(n)
      counts.push(spawns)
    }
    expect(counts).toEqual(SIZES.map(() => OBSERVE_SPAWNS))
  })

  it("planState adds one git status per re-execute candidate, and only for those", async () => {
    const state = states.get(10)!
    const victim = state.tasks[3]!
    await runtime.runPromise(
      Effect.gen(function* () {
        yield* (yield* Tmux).killSession({ name: victim.session! })
      })
    )
    await pollUntil("the killed session's agent to die", () => (pidAlive(victim.agentProcess!.pid) ? undefined : true))
    const { value: report, spawns, commands } = await measure(planState(state))
    expect(report.decisions.filter((d) => d.action === "re-execute").map((d) => d.taskId)).toEqual([victim.id])
    expect(spawns).toBe(OBSERVE_SPAWNS + 1)
    expect(commands.filter((c) => c.startsWith("git status"))).toHaveLength(1)
  })
})
